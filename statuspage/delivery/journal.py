"""The delivery journal: acceptances the database could not take, kept on disk until it can.

An append-only JSON-lines file in the instance folder, each line fsynced before `append`
returns; `acceptances.keep_sent` writes to it when the database gives up. It is replayed into
the database when the worker starts, after the next write that succeeds, and by the periodic
recovery before it takes any lease back, so an accepted message is never sent twice by this
machine's workers. (A journal lives on one machine: another machine's recovery waits for the
lease, five minutes by default, by which time the journaling worker has long met the database
again.)
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import IO

from flask import current_app

from statuspage.delivery.faults import rollback
from statuspage.delivery.mark_sent import Sent, mark_sent_rows

log = logging.getLogger(__name__)

JOURNAL_NAME = "delivery-journal.jsonl"


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


@contextlib.contextmanager
def _locked(path: Path, mode: str) -> Iterator[IO[str]]:
    """The journal opened and locked against the other threads and processes using it."""
    with open(path, mode, encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
