"""The incident followers migration: the unique rules it sets, and its way back with followers."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from statuspage.core.extensions import db
from tests.conftest import make_app

REVISION, PREVIOUS = "9adf0cb75d2c", "bf090e689d5a"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _subscriber(conn: sa.Connection, public_id: str, incident_id: int | None) -> None:
    conn.execute(sa.text(
        "INSERT INTO subscriber (public_id, channel, address, language, created_at, "
        "consent_source, code_attempts, token_version, incident_id) VALUES (:p, 'email', "
        "'ana@example.com', 'en', :now, 'page', 0, 1, :i)"),
        {"p": public_id, "now": NOW, "i": incident_id})


def _incident(conn: sa.Connection, public_id: str) -> int:
    conn.execute(sa.text(
        "INSERT INTO incident (public_id, kind, name, status, started_at, created_at, "
        "updated_at, auto_start, auto_complete, auto_transition_components, "
        "postmortem_notified, awaiting_approval) VALUES (:p, 'incident', 'Down', "
        "'investigating', :now, :now, :now, false, false, false, false, false)"),
        {"p": public_id, "now": NOW})
    return int(conn.execute(sa.text("SELECT id FROM incident WHERE public_id = :p"),
                            {"p": public_id}).scalar_one())


def test_one_page_row_and_one_follow_per_incident_and_back_down(tmp_path: Path) -> None:
    app = make_app(f"sqlite:///{tmp_path / 'follows.sqlite3'}")
    try:
        with app.app_context():
            upgrade(revision=REVISION)
            with db.engine.begin() as conn:
                first, second = _incident(conn, "incident0001"), _incident(conn, "incident0002")
                _subscriber(conn, "page00000001", None)
                _subscriber(conn, "follow000001", first)
                _subscriber(conn, "follow000002", second)
            for public_id, incident_id in (("page00000002", None), ("follow000003", first)):
                with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
                    _subscriber(conn, public_id, incident_id)

            downgrade(revision=PREVIOUS)
            with db.engine.begin() as conn:
                left = conn.execute(sa.text("SELECT public_id FROM subscriber")).scalars().all()
            assert left == ["page00000001"]
            upgrade(revision=REVISION)
            with db.engine.begin() as conn:
                _subscriber(conn, "follow000004", first)  # the follow rule is back
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
