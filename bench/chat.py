"""Chat benchmark: 1,000 chat destinations of every provider, each told several updates.

Run by hand (not part of the test suite):

    .venv/bin/python bench/chat.py [--destinations 1000] [--updates 3] [--workers 2]
        [--database postgresql://postgres@127.0.0.1:5432/test [--redis redis://…]]

One throwaway installation (a SQLite file in a temporary instance folder, or a private schema
on PostgreSQL with the queues on Redis, as bench/fanout.py does) gets --destinations chat
destinations, Slack, Microsoft Teams, Discord and Google Chat in turn: half public chat
subscribers, half the Executives group's channels (the default plan tells both of a SEV1).
--updates SEV1 incidents are then declared one right after the other through the console's
form, and the Procfile's real `worker` consumer sends every message to the local fake
endpoints (tests/fakes/chat.py), which enforce each provider's documented rate per
destination (Slack 1 a second with a burst of 3, Discord 5 per 2 s, Google Chat 60 a minute)
and check every payload against the providers' documented rules (tests/chat_rules.py).

It waits until every destination has every message and prints, last:

    chat: destinations=1000 sent=3000 duplicates=0 violations=0 seconds=…

`violations` counts requests the fake received while the destination's bucket was empty
(each answered with the provider's 429); `duplicates`, messages a destination got twice.
Targets: 0 and 0, and every delivery recorded as sent.
"""

from __future__ import annotations

import argparse
import itertools
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROVIDERS = ("slack", "teams", "discord", "googlechat")


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    sys.path.insert(0, str(ROOT))
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    from bench.common import private_database
    from bench.fanout import BIN

    workdir = Path(tempfile.mkdtemp(prefix="statuspage-chat-"))
    try:
        with private_database(workdir, "chat") as url:
            env = _environment(workdir, url, args, BIN)
            os.environ.update(env)  # before statuspage is imported: tasks.py reads it
            result = run(args, env, workdir, url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"chat: destinations={args.destinations} sent={result['sent']} "
          f"duplicates={result['duplicates']} violations={result['violations']} "
          f"seconds={result['seconds']:.1f}")
    return 0 if result["duplicates"] == result["violations"] == 0 else 1


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--destinations", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=3,
                        help="SEV1 incidents declared back to back (messages per destination)")
    parser.add_argument("--workers", type=int, default=2,
                        help="the worker consumer's threads (WORKER_CONCURRENCY)")
    parser.add_argument("--database", default="",
                        help="a PostgreSQL URL (default: DATABASE_URL, else a SQLite file)")
    parser.add_argument("--redis", default="",
                        help="the queues' Redis with PostgreSQL (default: REDIS_URL or local)")
    return parser.parse_args(argv)


def _environment(workdir: Path, url: str, args: argparse.Namespace, bin_dir: Path
                 ) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"HUEY_IMMEDIATE", "REDIS_URL"}}
    if url.startswith("postgresql"):
        env["REDIS_URL"] = (args.redis or os.environ.get("REDIS_URL")
                            or "redis://127.0.0.1:6379/0")
    env.update(
        INSTANCE_PATH=str(workdir), HUEY_NAME=f"chat-{secrets.token_hex(4)}",
        # One key for the web side that seals the URLs and the worker that opens them.
        SECRET_KEY=secrets.token_urlsafe(32), PUBLIC_BASE_URL="https://status.example.com",
        PATH=f"{bin_dir}:{env.get('PATH', '')}", DATABASE_URL=url,
        # The fake endpoints listen on loopback.
        WEBHOOK_ALLOW_LOOPBACK="true", WEBHOOK_TIMEOUT_SECONDS="10",
        WORKER_CONCURRENCY=str(args.workers),
    )
    return env


def run(args: argparse.Namespace, env: dict[str, str], workdir: Path, url: str
        ) -> dict[str, Any]:
    from bench.fanout import Site
    from bench.fanout_workers import Consumers
    from tests.chat_rules import (
        discord_problems,
        googlechat_problems,
        slack_problems,
        teams_problems,
    )
    from tests.fakes.chat import FakeChat

    rules = {"slack": slack_problems, "teams": teams_problems, "discord": discord_problems,
             "googlechat": googlechat_problems}
    fake = FakeChat(validator=lambda provider, payload: rules[provider](payload))
    site = Site(url)
    try:
        started = time.monotonic()
        urls = _seed(site, fake, args.destinations)
        print(f"seeded {len(urls)} chat destinations "
              f"({', '.join(f'{p} {n}' for p, n in sorted(Counter(urls.values()).items()))}) "
              f"in {time.monotonic() - started:.1f}s", flush=True)
        consumers = Consumers(env, workdir, args.workers)
        try:
            _wait(consumers.started, 60, "the consumers", consumers)
            cpu_before = consumers.cpu_seconds()["worker"]
            expected = len(urls) * args.updates
            begun = time.time()
            for _ in range(args.updates):
                site.publish("SEV1")
            _wait(lambda: len(fake.accepted) >= expected, 900,
                  f"{expected} chat messages", consumers)
            seconds = max(m.at for m in fake.accepted) - begun
            time.sleep(1.0)  # the last acceptances are saved
            cpu = consumers.cpu_seconds()["worker"] - cpu_before
        finally:
            consumers.stop()
        states = _states(site)
        late = _rates(fake)
    finally:
        fake.stop()
    print(f"deliveries by state: {dict(states)}; requests {len(fake.requests)}, accepted "
          f"{len(fake.accepted)}; worker CPU {cpu:.1f}s; load average "
          f"{os.getloadavg()[0]:.2f}; closest two messages to one destination: "
          + ", ".join(f"{p} {s:.2f}s" for p, s in sorted(late.items())), flush=True)
    return {"sent": len(fake.accepted), "duplicates": fake.duplicates(),
            "violations": fake.violations, "seconds": seconds, "states": states}


def _seed(site: Any, fake: Any, count: int) -> dict[str, str]:
    """`count` destinations, providers in turn: the even ones public subscribers, the odd ones
    the Executives group's channels. Returns {url: provider}."""
    from statuspage.core.extensions import db
    from statuspage.core.sealing import fingerprint, seal
    from statuspage.models import StakeholderGroup, StakeholderMember, Subscriber, utcnow
    from statuspage.notify.chat import check_chat_url
    from statuspage.plan.stakeholder_recipients import sync_recipients

    urls: dict[str, str] = {}
    with site.app.app_context():
        group = StakeholderGroup(name="Executives", description="The bench's group")
        db.session.add(group)
        now = utcnow()
        for n in range(count):
            provider = PROVIDERS[n % len(PROVIDERS)]
            url = check_chat_url(provider, fake.destination_url(provider, f"bench-{n}"),
                                 allow_loopback=True)
            urls[url] = provider
            if n % 2 == 0:
                db.session.add(Subscriber(
                    channel=provider, address=fingerprint(url), destination=seal(url),
                    confirmed_at=now, consent_source="bench", consent_at=now))
            else:
                member = StakeholderMember(name=f"#bench-{n}", chat_provider=provider,
                                           chat_destination=seal(url))
                group.members.append(member)
                sync_recipients(member)
        db.session.commit()
    return urls


def _states(site: Any) -> Counter[str]:
    from sqlalchemy import func, select

    from statuspage.core.extensions import db
    from statuspage.models import Delivery

    with site.app.app_context():
        return Counter({state: n for state, n in db.session.execute(
            select(Delivery.state, func.count()).group_by(Delivery.state))})


def _rates(fake: Any) -> dict[str, float]:
    """Per provider, the shortest time between two messages to one destination."""
    times: dict[tuple[str, str], list[float]] = {}
    for message in fake.accepted:
        times.setdefault((message.provider, message.destination), []).append(message.at)
    closest: dict[str, float] = {}
    for (provider, _destination), seen in times.items():
        seen.sort()
        for gap in (b - a for a, b in itertools.pairwise(seen)):
            closest[provider] = min(closest.get(provider, gap), gap)
    return closest


def _wait(done: Any, timeout: float, what: str, consumers: Any) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        consumers.check(what)
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}:\n" + consumers.tail())
        time.sleep(0.1)


if __name__ == "__main__":
    raise SystemExit(main())
