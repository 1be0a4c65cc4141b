"""What a provider accepted is kept until the database has it: never sent twice after a fault.

The database refuses the write that records the acceptance (as a dropped connection does):
the write is retried, then journaled in the instance folder, and the journal is replayed
before the periodic recovery takes any lease back, so the chunk is not sent again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.delivery import acceptances as delivery_acceptances
from statuspage.delivery import journal as delivery_journal
from statuspage.delivery import send as delivery_send
from statuspage.delivery.recover import recover_expired_leases
from statuspage.delivery.sms import send as delivery_sms_send
from statuspage.models import Delivery, utcnow
from statuspage.tasks.queues import huey
from tests.delivery_faults_support import failing
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    provider_settings,
    queued_tasks,
    run_worker,
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid

pytestmark = pytest.mark.usefixtures("open_plan")

REPLAY_WHEN_BACK = delivery_acceptances._replay_when_back
# The statement that records an acceptance (mark_sent.mark_sent_rows).
SAVE_SENT = r"^UPDATE delivery SET state=.*provider_message_id="


@pytest.fixture(autouse=True)
def errors(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
           ) -> Iterator[list[BaseException]]:
    # A journal of this test's own: the xdist workers share one INSTANCE_PATH, and another
    # worker's recovery would replay (and empty) a journal left there.
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    monkeypatch.setattr(delivery_acceptances, "WRITE_DEADLINE_SECONDS", 0.5)
    # The background replay is tested on its own (last test): the others replay by hand.
    monkeypatch.setattr(delivery_acceptances, "_replay_when_back", lambda app: None)
    huey.flush()
    with task_errors() as caught:
        yield caught
    assert not caught, caught


def _journal(app: Flask) -> list[dict[str, object]]:
    path = Path(app.instance_path) / delivery_journal.JOURNAL_NAME
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def _expire_leases() -> None:
    db.session.execute(update(Delivery).where(Delivery.state == "sending")
                       .values(lease_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_an_accepted_chunk_the_database_could_not_record_is_not_sent_again(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid,
) -> None:
    app.config.update(provider_settings(fake_sendgrid.url))
    add_subscribers(5)

    with failing(SAVE_SENT) as fault:
        factory.incident()

    assert fault.raised >= 2, "the write was not retried"
    assert len(fake_sendgrid.sends) == 1
    [line] = _journal(app)
    assert len(line["sent"]) == 5  # type: ignore[arg-type]
    assert {d.state for d in deliveries()} == {"sending"}

    # The database is back; the worker died and its leases ran out: recovery replays first.
    _expire_leases()
    result = recover_expired_leases()

    assert result["deliveries"] == 0
    assert len(fake_sendgrid.sends) == 1, "an accepted chunk was sent twice"
    rows = deliveries()
    assert {d.state for d in rows} == {"sent"}
    assert {d.provider_message_id for d in rows} == {
        fake_sendgrid.sends[0].answer_headers["X-Message-Id"]}
    assert _journal(app) == []


def test_a_journal_left_by_a_dead_worker_is_replayed_when_a_worker_starts(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid,
) -> None:
    from statuspage.tasks import delivery as delivery_tasks

    app.config.update(provider_settings(fake_sendgrid.url))
    add_subscribers(3)
    with failing(SAVE_SENT):
        factory.incident()
    assert len(_journal(app)) == 1

    delivery_tasks._replay_the_delivery_journal()

    assert {d.state for d in deliveries()} == {"sent"}
    assert _journal(app) == []


def test_the_sms_saver_never_gives_up_an_acceptance(app: Flask, factory: Factory) -> None:
    add_subscribers(3, "sms")
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])
    huey.flush()
    ids = delivery_send.claim([d.id for d in deliveries()])
    assert len(ids) == 3
    saver = delivery_sms_send.SentSaver(app, threaded=True)
    with failing(SAVE_SENT):
        for n, delivery_id in enumerate(ids):
            saver.sent(delivery_id, f"SM{n}")
        saver.close()  # the database stayed down all along: nothing may be dropped

    journaled = [s[0] for line in _journal(app) for s in line["sent"]]  # type: ignore[attr-defined]
    assert sorted(journaled) == sorted(ids)
    assert delivery_journal.replay() == 3
    assert [(d.state, d.provider_message_id) for d in deliveries()] == [
        ("sent", "SM0"), ("sent", "SM1"), ("sent", "SM2")]


def test_the_journal_is_replayed_as_soon_as_the_database_answers_again(
    app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real background replay.
    monkeypatch.setattr(delivery_acceptances, "_replay_when_back", REPLAY_WHEN_BACK)
    monkeypatch.setattr(delivery_acceptances, "WRITE_DEADLINE_SECONDS", 0.3)
    app.config.update(provider_settings(fake_sendgrid.url))
    add_subscribers(4)
    with failing(SAVE_SENT):
        factory.incident()
        assert {d.state for d in deliveries()} == {"sending"}
        time.sleep(1)  # still down: the replay keeps trying

    deadline = time.monotonic() + 10
    while {d.state for d in deliveries()} != {"sent"}:
        assert time.monotonic() < deadline, "the journal was not replayed"
        time.sleep(0.1)
    assert _journal(app) == []
    assert len(fake_sendgrid.sends) == 1
