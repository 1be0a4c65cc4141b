"""Keep what a provider accepted until the database has it: retry the write, else journal it.

Once SendGrid or Twilio accepted a message, the delivery must be recorded as sent: left in
`sending`, lease recovery would send it again. `keep_sent` writes the acceptances with
`persist` (retried with backoff while the database is unreachable) and, when that gives up,
appends them to the journal (statuspage.delivery.journal), fsynced before it returns; a
thread of its own then replays the journal as soon as the database answers again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

from flask import Flask, current_app

from statuspage.core.extensions import db
from statuspage.delivery.faults import pause_seconds, persist, rollback
from statuspage.delivery.journal import append, journal_path, replay, replay_quietly
from statuspage.delivery.mark_sent import Sent, mark_sent_rows
from statuspage.models import utcnow

log = logging.getLogger(__name__)

# How long an acceptance waits for the database before it is journaled: short, so a sender
# is not held up; the journal keeps it just as well.
WRITE_DEADLINE_SECONDS = 3.0


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
