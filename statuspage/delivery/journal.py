"""Keep what a provider accepted until the database has it: retry the write, else journal it.

Once SendGrid or Twilio accepted a message, the delivery must be recorded as sent: left in
`sending`, lease recovery would send it again. `keep_sent` writes the acceptances with
`persist` (retried with backoff while the database is unreachable) and, when that gives up,
appends them to an append-only JSON-lines journal in the instance folder, fsynced before it
returns. The journal is replayed into the database when the worker starts, after the next
write that succeeds, and by the periodic recovery before it takes any lease back, so an
accepted message is never sent twice by this machine's workers. (A journal lives on one
machine: another machine's recovery waits for the lease, five minutes by default, by which
time the journaling worker has long met the database again.)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO

from flask import Flask, current_app
from sqlalchemy import bindparam, or_, update

from statuspage.core.extensions import db
from statuspage.delivery.faults import pause_seconds, persist, rollback
from statuspage.models import Delivery, Subscriber, utcnow
from statuspage.models.deliveries import QUEUED, SENDING, SENT

log = logging.getLogger(__name__)

JOURNAL_NAME = "delivery-journal.jsonl"
# How long an acceptance waits for the database before it is journaled: short, so a sender
# is not held up; the journal keeps it just as well.
WRITE_DEADLINE_SECONDS = 3.0

# (delivery id, provider message id, subscriber whose SMS carried the opt-out notice or None)
Sent = tuple[int, str, int | None]


def keep_sent(sent: Sequence[Sent], *, deadline: float | None = None) -> None:
    """Record these acceptances as sent: in the database if it answers, else in the journal.

    Returns only once they are in one of the two; raises only if both fail (a full disk
    while the database is down).
    """
    if not sent:
        return
    at = utcnow()
    try:
        persist(lambda: mark_sent_rows(sent, at), "saving sent deliveries",
                deadline=WRITE_DEADLINE_SECONDS if deadline is None else deadline)
    except Exception:
        rollback()
        log.exception("could not save %d sent deliveries: journaling them", len(sent))
        append(sent, at)
        _replay_when_back(current_app._get_current_object())  # type: ignore[attr-defined]
        return
    replay_quietly()


def mark_sent_rows(sent: Sequence[Sent], at: datetime | None = None) -> None:
    """Save deliveries as sent, each with its provider id, in one transaction.

    Ids sharing a provider id (a SendGrid batch) are one UPDATE … IN; distinct ids (SMS) one
    executemany. A delivery still `queued` (recovery took it back before the journal was
    replayed) is sent all the same: the provider has it. The third value names a subscriber
    whose SMS carried the opt-out wording, noted in the same commit.
    """
    now = at or utcnow()
    by_provider: dict[str, list[int]] = defaultdict(list)
    for delivery_id, provider_id, _ in sent:
        by_provider[provider_id or ""].append(delivery_id)
    table = Delivery.__table__
    singles = [{"delivery_id": ids[0], "provider_id": pid or None}
               for pid, ids in by_provider.items() if len(ids) == 1]
    if singles:
        db.session.execute(
            table.update()
            .where(table.c.id == bindparam("delivery_id"),
                   or_(table.c.state == SENDING, table.c.state == QUEUED))
            .values(state=SENT, provider_message_id=bindparam("provider_id"), sent_at=now,
                    lease_until=None, updated_at=now),
            singles)
    for pid, ids in by_provider.items():
        if len(ids) > 1:
            db.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.state.in_([SENDING, QUEUED]))
                .values(state=SENT, provider_message_id=pid or None, sent_at=now,
                        lease_until=None, updated_at=now)
                .execution_options(synchronize_session=False))
    noticed = sorted({s for _, _, s in sent if s is not None})
    if noticed:
        db.session.execute(
            update(Subscriber)
            .where(Subscriber.id.in_(noticed), Subscriber.opt_out_notice_at.is_(None))
            .values(opt_out_notice_at=now)
            .execution_options(synchronize_session=False))
    db.session.commit()


def journal_path() -> Path:
    return Path(current_app.instance_path) / JOURNAL_NAME


def append(sent: Sequence[Sent], at: datetime) -> None:
    """Append one line to the journal and fsync it: durable when this returns."""
    line = json.dumps({"at": at.isoformat(), "sent": [list(s) for s in sent]}) + "\n"
    path = journal_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path, "a") as handle:
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())


def replay() -> int:
    """Write the journal's acceptances to the database, then empty it; how many were written.

    If the database refuses, the journal is left as it was and the error raised. A torn last
    line (a crash mid-append) is skipped: its acceptance was never confirmed to anyone.
    """
    path = journal_path()
    try:
        if path.stat().st_size == 0:
            return 0
    except FileNotFoundError:
        return 0
    with _locked(path, "r+") as handle:
        entries = []
        for line in handle.read().splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                record = json.loads(line)
                entries.append((datetime.fromisoformat(record["at"]),
                                [(int(d), str(p or ""), s) for d, p, s in record["sent"]]))
        try:
            for at, sent in entries:
                mark_sent_rows(sent, at)
        except Exception:
            rollback()
            raise
        handle.seek(0)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())
    count = sum(len(sent) for _, sent in entries)
    if count:
        log.warning("replayed %d sent deliveries from the journal", count)
    return count


def replay_quietly() -> None:
    """replay(), for hooks that must not fail (a worker starting with the database down)."""
    try:
        replay()
    except Exception:
        log.warning("the delivery journal could not be replayed", exc_info=True)


_replayer_lock = threading.Lock()
_replayer: threading.Thread | None = None


def _replay_when_back(app: Flask) -> None:
    """Start (once per process) a thread that replays the journal as soon as the database
    answers again, trying with backoff: the acceptances reach the database within seconds of
    the fault ending, whatever this process does next."""
    global _replayer
    with _replayer_lock:
        if _replayer is not None and _replayer.is_alive():
            return
        _replayer = threading.Thread(target=_replay_until_empty, args=(app,), daemon=True,
                                     name="delivery-journal-replay")
        _replayer.start()


def _replay_until_empty(app: Flask) -> None:
    attempt = 0
    with app.app_context():
        while True:
            attempt += 1
            time.sleep(pause_seconds(min(attempt, 5)))
            try:
                replay()
                if not journal_path().exists() or journal_path().stat().st_size == 0:
                    return
            except Exception as error:
                rollback()
                log.warning("the delivery journal could not be replayed yet: %s", error)
            finally:
                db.session.remove()


@contextlib.contextmanager
def _locked(path: Path, mode: str) -> Iterator[IO[str]]:
    """The journal opened and locked against the other threads and processes using it."""
    with open(path, mode, encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
