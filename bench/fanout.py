"""Fan-out benchmark: publish one update to 100,000 email and 10,000 SMS subscribers.

Run by hand (not part of the test suite):

    .venv/bin/python bench/fanout.py [--emails 100000] [--sms 10000] [--sms-rate 100]
        [--workers 2] [--publishes 15]

It builds two throwaway installations, one without subscribers and one with all of them
(SQLite files in a temporary instance folder, or private schemas on the PostgreSQL server named
by DATABASE_URL, dropped afterwards; the Huey queue is SQLite in the same folder), local fakes
of SendGrid and Twilio in processes of their own (bench/fanout_fakes.py; the Twilio fake
answers 429 to anything above --sms-rate) and the real consumers started with the Procfile's
`worker` and `sms` commands (bench/fanout_workers.py), with provider credentials pointing at
the fakes. It measures:

- the publish request (POST /console/incidents/new through the app's WSGI stack, no worker
  running): the median of --publishes on each installation, taken alternately;
- the time from the publish request until the fake SendGrid has every email address;
- the SMS rate at the fake Twilio against TWILIO_MAX_PER_SECOND, and its 429 answers;
- the workers' peak memory (VmHWM of `worker` plus `sms`) after a full fan-out to 1,000 and
  to all subscribers (and, for diagnosis, the CPU time each consumer used).

Targets: publish ratio <= 1.2, emails within 60 s on SQLite, SMS rate within 5% of the limit
with no 429, memory ratio <= 1.2. The last line printed is
`fanout: publish_ratio=A email_seconds=B sms_rate_ratio=C sms_429=D memory_ratio=E`.
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
PASSWORD = "bench password 0123456789"


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    sys.path.insert(0, str(ROOT))
    from bench.common import private_database

    workdir = Path(tempfile.mkdtemp(prefix="statuspage-fanout-"))
    try:
        with (private_database(workdir, "empty") as empty,
              private_database(workdir, "full") as full):
            env = _environment(workdir, args)
            os.environ.update(env)  # before statuspage is imported: tasks.py reads it
            results = Bench(args, env, workdir, empty, full).run()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    _report(results, args)
    return 0


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=100_000)
    parser.add_argument("--sms", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=1_000,
                        help="subscribers of the small fan-out (memory baseline)")
    parser.add_argument("--sms-rate", type=float, default=100.0, help="TWILIO_MAX_PER_SECOND")
    parser.add_argument("--workers", type=int, default=2,
                        help="the worker consumer's threads (WORKER_CONCURRENCY)")
    parser.add_argument("--publishes", type=int, default=15, help="timed publishes per case")
    return parser.parse_args(argv)


def _environment(workdir: Path, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"HUEY_IMMEDIATE", "REDIS_URL", "TWILIO_EDGE", "TWILIO_REGION"}}
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

    def publish(self) -> float:
        """POST the incident form as a communicator would; the request's duration.

        SEV1: the default plan announces a SEV1's opening by email and SMS (SEV2 by email only).
        """
        started = time.perf_counter()
        response = self.client.post("/console/incidents/new", data={
            "name": "API errors", "severity": "SEV1", "status": "investigating",
            "body": "We are **investigating** elevated error rates.",
            "deliver_notifications": "y", "action": "publish",
        })
        elapsed = time.perf_counter() - started
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        return elapsed


class Bench:
    def __init__(self, args: argparse.Namespace, env: dict[str, str], workdir: Path,
                 empty_url: str, full_url: str) -> None:
        from statuspage.core.extensions import db

        self.args, self.env, self.workdir, self.db = args, env, workdir, db
        self.empty, self.full = Site(empty_url), Site(full_url)
        self.results: dict[str, Any] = {}

    def run(self) -> dict[str, Any]:
        args = self.args
        started = time.perf_counter()
        _seed_subscribers(self.full.app, args.emails, args.sms)
        print(f"seeded {args.emails} email and {args.sms} SMS subscribers in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        # Alternating between the two installations, so a busy moment of the machine
        # weighs on both alike.
        self._publish_times()

        small_sms = max(1, args.small // 10)
        _seed_subscribers(self.empty.app, args.small, small_sms)
        small = self._fan_out(self.empty, args.small, small_sms)
        large = self._fan_out(self.full, args.emails, args.sms)
        mail, texts = large["sendgrid"], large["twilio"]
        self.results.update(
            memory_small=small["memory"], email_seconds=large["email_seconds"],
            memory_large=large["memory"], sms_rate=texts["rate"], sms_429=texts["limited"],
            sms_seconds=large["sms_seconds"], email_calls=mail["calls"],
            email_duplicates=mail["duplicates"], sms_duplicates=texts["duplicates"],
            emails=mail["received"], sms=texts["received"], final_publish=large["publish"],
        )
        return self.results

    # -- steps ----------------------------------------------------------------------------------
    def _publish_times(self) -> None:
        """Timed publishes with no worker running; their events are then thrown away."""
        self.empty.publish(), self.full.publish()  # warm-up
        empty, full = [], []
        for _ in range(self.args.publishes):
            empty.append(self.empty.publish())
            full.append(self.full.publish())
        self.results.update(publish_0=empty, publish_all=full)
        for site in (self.empty, self.full):
            self._clear(site)

    def _clear(self, site: Site) -> None:
        from statuspage.models import Delivery, FanoutEvent
        from statuspage.tasks.queues import huey

        with site.app.app_context():
            self.db.session.execute(Delivery.__table__.delete())
            self.db.session.execute(FanoutEvent.__table__.delete())
            self.db.session.commit()
        huey.flush()

    def _fan_out(self, site: Site, emails: int, sms: int) -> dict[str, Any]:
        """One publish to these subscribers, timed at fresh fakes, by a fresh worker."""
        from bench.fanout_fakes import FakeProvider
        from bench.fanout_workers import Consumers

        sendgrid = FakeProvider("sendgrid")
        twilio = FakeProvider("twilio", self.args.sms_rate)
        self.env.update(SENDGRID_API_BASE_URL=sendgrid.url, TWILIO_API_BASE_URL=twilio.url,
                        DATABASE_URL=site.url)
        consumers = Consumers(self.env, self.workdir, self.args.workers)
        try:
            self._wait(consumers.started, timeout=30, what="the consumers", consumers=consumers)
            cpu_before = consumers.cpu_seconds()
            publish_started = time.monotonic()
            publish = site.publish()
            self._wait(lambda: sendgrid.stats()["received"] >= emails,
                       timeout=600, what=f"{emails} emails", consumers=consumers)
            email_seconds = sendgrid.stats()["last"] - publish_started
            sms_budget = sms / self.args.sms_rate * 2 + 120
            self._wait(lambda: twilio.stats()["received"] >= sms, timeout=sms_budget,
                       what=f"{sms} SMS", consumers=consumers)
            sms_seconds = time.monotonic() - publish_started
            time.sleep(1.0)  # let the last saves land before reading memory
            peaks = consumers.peak_memory_kb()
            cpu = {name: used - cpu_before[name]
                   for name, used in consumers.cpu_seconds().items()}
            stats = {"sendgrid": sendgrid.stats(), "twilio": twilio.stats()}
        finally:
            consumers.stop()
            sendgrid.stop()
            twilio.stop()
        memory = sum(peaks.values())
        print(f"fan-out to {emails} + {sms}: emails {email_seconds:.1f}s, SMS {sms_seconds:.1f}s,"
              f" peak memory " + ", ".join(f"{n} {kb / 1024:.1f} MB" for n, kb in peaks.items())
              + ", CPU " + ", ".join(f"{n} {s:.1f}s" for n, s in cpu.items())
              + f"; load average {os.getloadavg()[0]:.2f}", flush=True)
        return {"email_seconds": email_seconds, "sms_seconds": sms_seconds, "memory": memory,
                "publish": publish, **stats}

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


def _seed_subscribers(app: Any, emails: int, sms: int) -> None:
    """Confirmed subscribers, emails and phone numbers interleaved by id as sign-ups come in."""
    from sqlalchemy import insert

    from statuspage.core.extensions import db
    from statuspage.models import Subscriber, utcnow

    now = utcnow()

    def row(channel: str, address: str) -> dict[str, Any]:
        return {"public_id": secrets.token_hex(6), "channel": channel, "address": address,
                "language": "en", "created_at": now, "confirmed_at": now,
                "consent_source": "bench", "consent_at": now, "code_attempts": 0,
                "token_version": 1}

    with app.app_context():
        step = max(1, emails // 100)
        texts = iter(range(sms))
        for start in range(0, emails, step):
            rows = [row("email", f"reader{n}@example.com")
                    for n in range(start, min(start + step, emails))]
            rows += [row("sms", f"+1415{n // 10000:03d}{n % 10000:04d}")
                     for n in (next(texts, None) for _ in range(max(1, sms // 100)))
                     if n is not None]
            db.session.execute(insert(Subscriber), rows)
        db.session.commit()


def _report(r: dict[str, Any], args: argparse.Namespace) -> None:
    zero, full = statistics.median(r["publish_0"]), statistics.median(r["publish_all"])
    publish_ratio = full / zero
    rate_ratio = r["sms_rate"] / args.sms_rate
    memory_ratio = r["memory_large"] / r["memory_small"]
    print()
    print(f"publish request, median of {args.publishes}: {zero * 1000:.1f} ms with 0 "
          f"subscribers, {full * 1000:.1f} ms with {args.emails + args.sms} "
          f"(ratio {publish_ratio:.2f}; the measured fan-out's own publish "
          f"{r['final_publish'] * 1000:.1f} ms)")
    print(f"emails: all {r['emails']} handed to SendGrid {r['email_seconds']:.1f}s after the "
          f"publish, in {r['email_calls']} calls; {r['email_duplicates']} duplicates")
    print(f"SMS: {r['sms']} at {r['sms_rate']:.2f}/s against a limit of {args.sms_rate:g}/s "
          f"(ratio {rate_ratio:.3f}), {r['sms_429']} answered 429, {r['sms_duplicates']} "
          f"duplicates; all sent {r['sms_seconds']:.1f}s after the publish")
    print(f"workers' peak memory: {r['memory_small'] / 1024:.1f} MB at {args.small} subscribers, "
          f"{r['memory_large'] / 1024:.1f} MB at {args.emails + args.sms} "
          f"(ratio {memory_ratio:.2f})")
    print(f"fanout: publish_ratio={publish_ratio:.2f} email_seconds={r['email_seconds']:.1f} "
          f"sms_rate_ratio={rate_ratio:.3f} sms_429={r['sms_429']} "
          f"memory_ratio={memory_ratio:.2f}")


if __name__ == "__main__":
    raise SystemExit(main())
