"""A backup taken while a fan-out writes deliveries is one point in time: each fan-out's
deliveries are all in it or all absent, none points at a missing event, the file is sound."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, insert, select, text

from statuspage.models import Delivery, FanoutEvent
from tests.backup_support import Install, installs
from tests.conftest import PG_URL
from tests.delivery_support import add_subscribers

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL.startswith("postgres"), reason="DATABASE_URL is not PostgreSQL"))]
RECIPIENTS = 1000


class FanoutWriter(threading.Thread):
    """Expands event after event to every subscriber, one transaction per event, like the
    worker's batches; counts the events committed."""

    def __init__(self, install: Install, subscriber_ids: list[int]) -> None:
        super().__init__(daemon=True)
        self.engine = install.engine()
        self.subscriber_ids = subscriber_ids
        self.committed = 0
        self.stop = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                with self.engine.begin() as conn:
                    event_id = conn.execute(insert(FanoutEvent).values(
                        kind="incident_update", channels=["email"], state="expanding")
                        .returning(FanoutEvent.id)).scalar_one()
                    conn.execute(insert(Delivery), [
                        {"event_id": event_id, "subscriber_id": sid, "channel": "email"}
                        for sid in self.subscriber_ids])
                self.committed += 1
        except BaseException as exc:  # reported by the test
            self.failure = exc
        finally:
            self.engine.dispose()

    def wait_for(self, events: int) -> None:
        while self.committed < events and self.failure is None and self.is_alive():
            self.stop.wait(0.01)


@pytest.fixture(params=KINDS)
def pair(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Install, Install]]:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with installs(request.param, tmp_path) as both:
        yield both


def test_a_backup_taken_mid_fanout_restores_one_point_in_time(
        pair: tuple[Install, Install], tmp_path: Path) -> None:
    source, target = pair
    backup = tmp_path / "mid-fanout.tar.gz"
    with source.app() as app:
        upgrade()
        writer = FanoutWriter(source, add_subscribers(RECIPIENTS))
        writer.start()
        try:
            writer.wait_for(3)
            before = writer.committed
            result = app.test_cli_runner().invoke(args=["backup", str(backup)])
            writer.wait_for(before + 1)  # it was still writing during and after the backup
            after = writer.committed
        finally:
            writer.stop.set()
            writer.join(30)
        assert writer.failure is None, writer.failure
        assert result.exit_code == 0, result.output

    with target.app() as app:
        result = app.test_cli_runner().invoke(args=["restore", str(backup)])
        assert result.exit_code == 0, result.output
    engine = target.engine()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
        events = conn.execute(select(func.count(FanoutEvent.id))).scalar_one()
        assert before <= events <= after
        per_event = conn.execute(select(Delivery.event_id, func.count(Delivery.id))
                                 .group_by(Delivery.event_id)).all()
        assert len(per_event) == events
        assert {count for _, count in per_event} == {RECIPIENTS}
        orphans = select(func.count(Delivery.id)).outerjoin(
            FanoutEvent, FanoutEvent.id == Delivery.event_id).where(FanoutEvent.id.is_(None))
        assert conn.execute(orphans).scalar_one() == 0
    engine.dispose()
