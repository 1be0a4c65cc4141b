"""Fan-out benchmark: publish one update to N email and 10,000 SMS subscribers.

Run by hand (not part of the test suite):

    .venv/bin/python bench/fanout.py [--subscribers 100000] [--sms 10000] [--sms-rate 100]
        [--workers 2] [--publishes 15] [--first 5]
        [--database postgresql://postgres@127.0.0.1:5432/test [--redis redis://…]]

It builds two throwaway installations, one with --small subscribers and one with all of them
(SQLite files in a temporary instance folder, or, with --database or a PostgreSQL DATABASE_URL,
private schemas on that server, dropped afterwards), seeded in one INSERT … SELECT each
(bench/fanout_seed.py). The task queues are SQLite in the same folder, or with PostgreSQL the
Redis of --redis (default REDIS_URL, else redis://127.0.0.1:6379/0), as in production. Local
fakes of SendGrid and Twilio run in processes of their own (bench/fanout_fakes.py; the Twilio
fake answers 429 to anything above --sms-rate), and the real consumers are started with the
Procfile's `worker` and `sms` commands (bench/fanout_workers.py). It measures:

- the publish request (POST /console/incidents/new through the app's WSGI stack, no worker
  running): the median of --publishes on each installation, taken alternately;
- publish -> first SendGrid request: the median of --first publishes to the small one;
- the time from the publish request until the fake SendGrid has every email address, and
  addresses it got more than once;
- the SMS rate at the fake Twilio against TWILIO_MAX_PER_SECOND, and its 429 answers;
- each consumer's peak resident memory (VmHWM of `worker`, of `sms`) after the fan-outs to
  the small installation and after the one to all subscribers (and their CPU time).

Targets: publish ratio <= 1.2, every email handed over within 60 s, first request p50 under
1 s, 0 duplicates, SMS rate within 5% of the limit with no 429, each consumer under 150 MB and
memory ratio <= 1.2. The last line printed is `fanout: subscribers=N db=… handed_over_s=…`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.fanout_workers import Consumers

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "tulip orbit canyon 0123456789"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    sys.path.insert(0, str(ROOT))
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    from bench.common import private_database

    workdir = Path(tempfile.mkdtemp(prefix="statuspage-fanout-"))
    try:
        with (private_database(workdir, "small") as small,
              private_database(workdir, "full") as full):
            env = _environment(workdir, args, postgresql=full.startswith("postgresql"))
            os.environ.update(env)  # before statuspage is imported: tasks.py reads it
            results = Bench(args, env, workdir, small, full).run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _report(results, args)
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", "--emails", dest="emails", type=int, default=100_000,
                        help="email subscribers of the full installation")
    parser.add_argument("--sms", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000,
                        help="email subscribers of the small installation (memory baseline)")
    parser.add_argument("--sms-rate", type=float, default=100.0, help="TWILIO_MAX_PER_SECOND")
    parser.add_argument("--workers", type=int, default=2,
                        help="the worker consumer's threads (WORKER_CONCURRENCY)")
    parser.add_argument("--publishes", type=int, default=15, help="timed publishes per case")
    parser.add_argument("--first", type=int, default=5,
                        help="publishes to the small installation timed to SendGrid's first call")
    parser.add_argument("--database", default="",
                        help="a PostgreSQL URL (default: DATABASE_URL, else SQLite files)")
    parser.add_argument("--redis", default="",
                        help="the queues' Redis with PostgreSQL (default: REDIS_URL or local)")
    return parser.parse_args(argv)


def _environment(workdir: Path, args: argparse.Namespace, postgresql: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"HUEY_IMMEDIATE", "REDIS_URL", "TWILIO_EDGE", "TWILIO_REGION"}}
    if postgresql:  # the scale-out layout: PostgreSQL with the queues on Redis
        env["REDIS_URL"] = (args.redis or os.environ.get("REDIS_URL")
                            or "redis://127.0.0.1:6379/0")
    env.update(
        INSTANCE_PATH=str(workdir), HUEY_NAME=f"fanout-{secrets.token_hex(4)}",
        SECRET_KEY=secrets.token_urlsafe(32), PUBLIC_BASE_URL="https://status.example.com",
        PATH=f"{BIN}:{env.get('PATH', '')}",
        SENDGRID_API_KEY="SG.bench", TWILIO_ACCOUNT_SID="AC" + "0" * 32,
        TWILIO_AUTH_TOKEN="bench-token", TWILIO_FROM="+14155550100",
        TWILIO_MAX_PER_SECOND=str(args.sms_rate),
    )
    env.pop("TWILIO_MESSAGING_SERVICE_SID", None)
    return env


class Site:
    """One installation's database, with an app and a logged-in console client on it."""

    def __init__(self, url: str) -> None:
        from statuspage import create_app
        from statuspage.core.extensions import db

        self.url = url
        self.app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False,
                               "RATELIMIT_ENABLED": False})
        with self.app.app_context():
            db.create_all()
            _seed_page()
        self.client = self.app.test_client()
        login = self.client.post("/console/login", data={"email": "bench@example.com",
                                                         "password": PASSWORD})
        assert login.status_code == 302, login.get_data(as_text=True)[:500]

    def publish(self, severity: str = "SEV1") -> float:
        """POST the incident form as a communicator would; the request's duration.

        SEV1: the default plan announces a SEV1's opening by email and SMS (SEV2 by email only).
        """
        started = time.perf_counter()
        response = self.client.post("/console/incidents/new", data={
            "name": "API errors", "severity": severity, "status": "investigating",
            "body": "We are **investigating** elevated error rates.",
            "deliver_notifications": "y", "action": "publish",
        })
        elapsed = time.perf_counter() - started
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return elapsed


class Bench:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], workdir: Path,
                 small_url: str, full_url: str) -> None:
        from statuspage.core.extensions import db

        self.args, self.env, self.workdir, self.db = args, env, workdir, db
        self.db_kind = "postgresql" if full_url.startswith("postgresql") else "sqlite"
        self.small, self.full = Site(small_url), Site(full_url)
        self.results: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        from bench.fanout_seed import seed_subscribers

        args = self.args
        started = time.perf_counter()
        seed_subscribers(self.full.app, args.emails, args.sms)
        print(f"seeded {args.emails} email and {args.sms} SMS subscribers in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        small_sms = max(1, args.small // 10)
        seed_subscribers(self.small.app, args.small, small_sms)
        # Alternating between the two installations, so a busy moment of the machine
        # weighs on both alike.
        self._publish_times()

        small = self._fan_out(self.small, args.small, small_sms, publishes=args.first)
        large = self._fan_out(self.full, args.emails, args.sms, publishes=1)
        mail, texts = large["sendgrid"], large["twilio"]
        self.results.update(
            memory_small=small["memory"], email_seconds=large["email_seconds"][0],
            memory_large=large["memory"], sms_rate=texts["rate"], sms_429=texts["limited"],
            sms_seconds=large["sms_seconds"], email_calls=mail["calls"],
            first_small=small["first"], first_large=large["first"][0],
            email_duplicates=mail["duplicates"] + small["duplicates"],
            sms_duplicates=texts["duplicates"], emails=mail["received"], sms=texts["received"],
            final_publish=large["publish"], cpu=large["cpu"],
            load=os.getloadavg(),
        )
        return self.results

    # -- steps ----------------------------------------------------------------------------------
    def _publish_times(self) -> None:
        """Timed publishes with no worker running; their events are then thrown away."""
        self.small.publish(), self.full.publish()  # warm-up
        small, full = [], []
        for _ in range(self.args.publishes):
            small.append(self.small.publish())
            full.append(self.full.publish())
        self.results.update(publish_small=small, publish_all=full)
        for site in (self.small, self.full):
            self._clear(site)

    def _clear(self, site: Site) -> None:
        from statuspage.models import Delivery, FanoutEvent
        from statuspage.tasks.queues import huey, sms_huey

        with site.app.app_context():
            self.db.session.execute(Delivery.__table__.delete())
            self.db.session.execute(FanoutEvent.__table__.delete())
            self.db.session.commit()
        huey.flush()
        sms_huey.flush()

    def _fan_out(self, site: Site, emails: int, sms: int, publishes: int) -> dict[str, Any]:
        """`publishes` publishes to these subscribers, one after the other, each timed at the
        fresh fakes until every email and SMS is there, by fresh consumers."""
        from bench.fanout_fakes import FakeProvider
        from bench.fanout_workers import Consumers, named_cpu_seconds, process_cpu_seconds

        sendgrid = FakeProvider("sendgrid")
        twilio = FakeProvider("twilio", self.args.sms_rate)
        self.env.update(SENDGRID_API_BASE_URL=sendgrid.url, TWILIO_API_BASE_URL=twilio.url,
                        DATABASE_URL=site.url)
        consumers = Consumers(self.env, self.workdir, self.args.workers)
        firsts, email_seconds, duplicates = [], [], 0
        try:
            self._wait(consumers.started, timeout=60, what="the consumers", consumers=consumers)
            def everyone() -> dict[str, float]:
                # Where the fan-out's CPU goes: the consumers, the database server (when it
                # is PostgreSQL on this machine), the queue's Redis and the fake SendGrid.
                return {**consumers.cpu_seconds(), "postgres": named_cpu_seconds("postgres"),
                        "redis": named_cpu_seconds("redis-server"),
                        "fake_sendgrid": process_cpu_seconds(sendgrid.process.pid or 0)}

            cpu_before = everyone()
            for n in range(publishes):
                sendgrid.reset()
                publish_started = time.monotonic()
                # The first by email and SMS; any more by email only (a number texted twice
                # would count as a duplicate).
                publish = site.publish("SEV2" if n else "SEV1")
                self._wait(lambda: sendgrid.stats()["received"] >= emails,
                           timeout=900, what=f"{emails} emails", consumers=consumers)
                mail = sendgrid.stats()
                firsts.append(mail["first"] - publish_started)
                email_seconds.append(mail["last"] - publish_started)
                duplicates += mail["duplicates"]
                if n == 0:
                    self._wait(lambda: twilio.stats()["received"] >= sms,
                               timeout=sms / self.args.sms_rate * 2 + 120, what=f"{sms} SMS",
                               consumers=consumers)
                    texts = twilio.stats()  # the fake's clock: when each SMS arrived
                    sms_seconds = (texts["first"] - publish_started,
                                   texts["last"] - publish_started)
            time.sleep(1.0)  # let the last saves land before reading memory
            peaks = consumers.peak_memory_kb()
            cpu = {name: used - cpu_before[name] for name, used in everyone().items()}
            stats = {"sendgrid": sendgrid.stats(), "twilio": twilio.stats()}
        finally:
            consumers.stop()
            sendgrid.stop()
            twilio.stop()
        print(f"fan-out to {emails} + {sms} ({publishes}x): emails {max(email_seconds):.1f}s, "
              f"first request {statistics.median(firsts) * 1000:.0f} ms, SMS {sms_seconds[0]:.1f}"
              f"-{sms_seconds[1]:.1f}s,"
              f" peak memory " + ", ".join(f"{n} {kb / 1024:.1f} MB" for n, kb in peaks.items())
              + ", CPU " + ", ".join(f"{n} {s:.1f}s" for n, s in cpu.items())
              + f"; load average {os.getloadavg()[0]:.2f}", flush=True)
        return {"email_seconds": email_seconds, "sms_seconds": sms_seconds, "memory": peaks,
                "publish": publish, "first": firsts, "duplicates": duplicates, "cpu": cpu,
                **stats}

    def _wait(self, done: Callable[[], bool], timeout: float, what: str,
              consumers: Consumers) -> None:
        deadline = time.monotonic() + timeout
        while not done():
            consumers.check(what)
            if time.monotonic() > deadline:
                raise SystemExit(f"timed out waiting for {what}:\n" + consumers.tail())
            time.sleep(0.05)


def _seed_page() -> None:
    from statuspage.accounts.users import create_user
    from statuspage.core.extensions import db
    from statuspage.models import Component
    from statuspage.page.record import get_page

    get_page()
    create_user("bench@example.com", "Bench", "communicator", PASSWORD, None)
    db.session.add(Component(name="API", position=1))
    db.session.commit()


def _report(r: dict[str, Any], args: argparse.Namespace) -> None:
    small, full = statistics.median(r["publish_small"]), statistics.median(r["publish_all"])
    publish_ratio = full / small
    rate_ratio = r["sms_rate"] / args.sms_rate
    worker_mb, sms_mb = (r["memory_large"][name] / 1024 for name in ("worker", "sms"))
    memory_ratio = sum(r["memory_large"].values()) / sum(r["memory_small"].values())
    first_p50 = statistics.median(r["first_small"]) * 1000
    db_kind = "postgresql" if args.database or os.environ.get("DATABASE_URL") else "sqlite"
    print()
    print(f"publish request, median of {args.publishes}: {small * 1000:.1f} ms with "
          f"{args.small * 11 // 10} subscribers, {full * 1000:.1f} ms with "
          f"{args.emails + args.sms} (ratio {publish_ratio:.2f}; the measured fan-out's own "
          f"publish {r['final_publish'] * 1000:.1f} ms)")
    print(f"emails: all {r['emails']} handed to SendGrid {r['email_seconds']:.1f}s after the "
          f"publish, in {r['email_calls']} calls, the first {r['first_large'] * 1000:.0f} ms "
          f"after it; {r['email_duplicates']} duplicates")
    print(f"publish -> first SendGrid request, {len(r['first_small'])} publishes to "
          f"{args.small}: " + ", ".join(f"{f * 1000:.0f}" for f in r["first_small"])
          + f" ms (median {first_p50:.0f} ms)")
    print(f"SMS: {r['sms']} at {r['sms_rate']:.2f}/s against a limit of {args.sms_rate:g}/s "
          f"(ratio {rate_ratio:.3f}), {r['sms_429']} answered 429, {r['sms_duplicates']} "
          f"duplicates; the first {r['sms_seconds'][0]:.1f}s and the last "
          f"{r['sms_seconds'][1]:.1f}s after the publish")
    print("consumers' peak memory (VmHWM): " + ", ".join(
        f"{name} {r['memory_small'][name] / 1024:.1f} MB -> {r['memory_large'][name] / 1024:.1f}"
        f" MB" for name in r["memory_small"]) + f" (ratio {memory_ratio:.2f}); CPU " + ", ".join(
        f"{name} {s:.1f}s" for name, s in r["cpu"].items())
        + f" (all {sum(r['cpu'].values()):.1f}s = {sum(r['cpu'].values()) / os.cpu_count():.1f}s"
        f" of {os.cpu_count()} cores)"
        + f"; load average {' '.join(f'{x:.2f}' for x in r['load'])}")
    print(f"fanout: subscribers={args.emails} db={db_kind} "
          f"handed_over_s={r['email_seconds']:.1f} (target 60) "
          f"publish_ratio={publish_ratio:.2f} first_request_p50_ms={first_p50:.0f} (target 1000) "
          f"duplicates={r['email_duplicates'] + r['sms_duplicates']} "
          f"worker_rss_mb={worker_mb:.0f} sms_rss_mb={sms_mb:.0f} (target 150) "
          f"memory_ratio={memory_ratio:.2f} sms_rate_ratio={rate_ratio:.3f} sms_429={r['sms_429']}")


if __name__ == "__main__":
    raise SystemExit(main())
