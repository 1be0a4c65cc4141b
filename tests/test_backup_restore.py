"""`flask backup` and `flask restore` on real databases: a whole install comes back row for row,
with the secret key that signed the links already sent."""

from __future__ import annotations

import dataclasses
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text

from statuspage.cli.backup_archive import read_archive, write_archive
from statuspage.cli.backup_database import create_schema, current_schema, migrations
from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Delivery, Subscriber
from statuspage.subscriptions.links import manage_path
from tests.backup_support import Install, all_rows, installs
from tests.conftest import PG_URL
from tests.delivery_support import add_subscribers, store_open_plan, task_errors
from tests.factories import Factory

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not PG_URL.startswith("postgres"), reason="DATABASE_URL is not PostgreSQL"))]


@pytest.fixture(params=KINDS)
def pair(request: pytest.FixtureRequest, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Install, Install]]:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with installs(request.param, tmp_path) as both:
        yield both


def _populate() -> str:
    """Components, an incident with two updates sent to subscribers; a manage path."""
    factory = Factory()
    store_open_plan()
    api, web = factory.component("API"), factory.component("Web")
    add_subscribers(4)
    add_subscribers(1, state="unsubscribed", start=10)
    with task_errors() as errors:
        incident = factory.incident(components={api: "major_outage"})
        post_update(incident, UpdateInput(status="identified", body="Found it.",
                                          component_statuses={api.id: "degraded_performance",
                                                              web.id: "operational"}), None)
    assert not errors, errors
    assert db.session.execute(select(func.count(Delivery.id))).scalar() == 8
    subscriber = db.session.execute(select(Subscriber).order_by(Subscriber.id)).scalars().first()
    assert subscriber is not None
    return manage_path(subscriber)


def test_restore_into_an_empty_install_gives_back_every_row_and_the_links(
        pair: tuple[Install, Install], tmp_path: Path) -> None:
    source, target = pair
    backup = tmp_path / "backups" / "statuspage.tar.gz"
    with source.app() as app:
        upgrade()
        manage = _populate()
        result = app.test_cli_runner().invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
        assert "secret key" in result.output
        assert app.test_client().get(manage).status_code == 200
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600

    with target.app() as app:  # a fresh instance folder: it made a secret key of its own
        result = app.test_cli_runner().invoke(args=["restore", str(backup)])
        assert result.exit_code == 0, result.output
    assert (target.instance / "secret_key").read_text() == \
        (source.instance / "secret_key").read_text()
    assert stat.S_IMODE((target.instance / "secret_key").stat().st_mode) == 0o600

    with source.app():
        source_engine, target_engine = source.engine(), target.engine()
        expected, restored = all_rows(source_engine), all_rows(target_engine)
        assert expected["delivery"] and expected["incident_update"] and expected["subscriber"]
        for name, rows in expected.items():
            assert restored[name] == rows, name
        revision = "SELECT version_num FROM alembic_version"
        with source_engine.connect() as a, target_engine.connect() as b:
            assert a.execute(text(revision)).all() == b.execute(text(revision)).all()
        source_engine.dispose()
        target_engine.dispose()

    with target.app() as app:  # started after the restore: reads the restored key
        assert app.test_client().get(manage).status_code == 200
    with target.app(SECRET_KEY="a-different-key-" * 3) as app:  # what a lost key would do
        assert app.test_client().get(manage).status_code == 400


def test_restore_refuses_a_database_with_data_unless_forced(
        pair: tuple[Install, Install], tmp_path: Path) -> None:
    source, target = pair
    backup = tmp_path / "backup.tar.gz"
    with source.app() as app:
        upgrade()
        Factory().component("API")
        assert app.test_cli_runner().invoke(args=["backup", str(backup)]).exit_code == 0
    with target.app() as app:
        if db.engine.dialect.name == "postgresql":  # an install made by `flask db upgrade`
            create_schema(current_schema())
        upgrade()
        Factory().component("Something else")
        refused = app.test_cli_runner().invoke(args=["restore", str(backup)])
        assert refused.exit_code != 0
        assert "not empty" in refused.output and "--force" in refused.output
        forced = app.test_cli_runner().invoke(args=["restore", "--force", str(backup)])
        assert forced.exit_code == 0, forced.output
    engine = target.engine()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM component")).scalars().all() == ["API"]
    engine.dispose()


def test_a_backup_of_an_older_migration_is_upgraded_after_the_restore(tmp_path: Path) -> None:
    with installs("sqlite", tmp_path) as (source, target):
        with source.app() as app:
            scripts = migrations()
            head = scripts.get_current_head()
            assert head is not None
            previous = scripts.get_revision(head).down_revision
            assert isinstance(previous, str)
            upgrade(revision=previous)
            assert app.test_cli_runner().invoke(
                args=["backup", str(tmp_path / "old.tar.gz")]).exit_code == 0
        with target.app() as app:
            result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "old.tar.gz")])
            assert result.exit_code == 0, result.output
            assert f"from migration {previous} to {head}" in result.output
            with db.engine.connect() as conn:
                version = conn.execute(text("SELECT version_num FROM alembic_version"))
                assert version.scalar_one() == head


@pytest.mark.parametrize(("fields", "message"), [
    ({"revision": "ffffffffffff"}, "newer than this code"),
    ({"database": "postgresql", "schema": "public"}, "holds a postgresql database"),
])
def test_restore_refuses_a_backup_it_cannot_take_before_touching_anything(
        tmp_path: Path, fields: dict[str, str], message: str) -> None:
    with installs("sqlite", tmp_path) as (source, target):
        with source.app() as app:
            upgrade()
            Factory().component("API")
            assert app.test_cli_runner().invoke(
                args=["backup", str(tmp_path / "good.tar.gz")]).exit_code == 0
        with tempfile.TemporaryDirectory() as work:
            good = read_archive(tmp_path / "good.tar.gz", Path(work))
            changed = dataclasses.replace(good.manifest, **fields)
            write_archive(tmp_path / "bad.tar.gz", changed, good.dump, good.secret_key)
        with target.app() as app:
            key = (target.instance / "secret_key").read_text()
            result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "bad.tar.gz")])
            assert result.exit_code != 0 and message in result.output
            assert inspect(db.engine).get_table_names() == []
        assert (target.instance / "secret_key").read_text() == key


def test_restore_refuses_a_file_that_is_not_a_backup(app: Flask, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a backup")
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "notes.txt")])
    assert result.exit_code != 0 and "not a readable backup" in result.output
