"""Every migration step, with data in the database: upgrade one step, downgrade it, upgrade again.

An install upgrades from whatever revision it runs, with its rows in place; an operator who
has to back out a release downgrades one step. So for each revision: migrate an empty database
to the revision before it, put a row in every table (values made from the reflected columns,
foreign keys pointing at the rows already made), step up, fill the tables the step added,
step down and up again; no step may lose a row of a table it keeps, or fail on data.

`flask db upgrade` runs while the old code still serves (README "Upgrades"), so an upgrade
step only adds: test_upgrades_only_add refuses a dropped table or column, a renamed column or
a changed type in any upgrade() unless the migration says `# destructive:` and why.
"""

from __future__ import annotations

import ast
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import downgrade, upgrade

from statuspage import ROOT
from statuspage.core.extensions import db
from tests.conftest import PG_URL, make_app

MIGRATIONS = ROOT / "migrations"
REVISIONS = [script.revision for script in
             reversed(list(ScriptDirectory(str(MIGRATIONS)).walk_revisions()))]
DESTRUCTIVE = ("drop_table", "drop_column")
# Downgrades that remove rows their upgrade made, as their docstring says: the stakeholder
# members' addresses became subscriber rows in a06fcefdceb0 and go again on the way down.
DOWNGRADE_MAY_DROP = {"a06fcefdceb0": frozenset({"subscriber"})}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file, or a schema of its own on CI's PostgreSQL."""
    if not PG_URL.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'steps.sqlite3'}"
        return
    url = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"steps_{secrets.token_hex(5)}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _value(table: sa.Table, column: sa.Column[Any]) -> Any:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.DateTime):
        return datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    if isinstance(kind, sa.Date):
        return date(2026, 1, 2)
    if isinstance(kind, sa.Float | sa.Numeric):
        return 1.5
    if isinstance(kind, sa.JSON):
        return []
    if isinstance(kind, sa.LargeBinary):
        return b"\x89PNG"
    text = f"{table.name}-{column.name}"
    length = getattr(kind, "length", None)
    return text[-length:] if length else text


def _fill_empty_tables(conn: sa.Connection) -> dict[str, int]:
    """One row in every table that has none; the row counts of all tables after."""
    meta = sa.MetaData()
    meta.reflect(conn)
    for table in meta.sorted_tables:
        if table.name == "alembic_version" or conn.execute(
                sa.select(sa.func.count()).select_from(table)).scalar():
            continue
        row: dict[str, Any] = {}
        for column in table.columns:
            foreign = next(iter(column.foreign_keys), None)
            if foreign is not None:
                if column.nullable:
                    continue  # optional links stay empty (a self-link has nothing to point at)
                target = foreign.column
                row[column.name] = conn.execute(sa.select(target).limit(1)).scalar_one()
            elif column.primary_key and isinstance(column.type, sa.Integer):
                continue  # numbered by the database
            else:
                row[column.name] = _value(table, column)
        conn.execute(table.insert().values(row))
    return _counts(conn)


def _counts(conn: sa.Connection) -> dict[str, int]:
    meta = sa.MetaData()
    meta.reflect(conn)
    return {table.name: int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
                            or 0)
            for table in meta.sorted_tables if table.name != "alembic_version"}


def _lost(before: dict[str, int], after: dict[str, int],
          may_drop: frozenset[str] = frozenset()) -> dict[str, tuple[int, int]]:
    """Tables present on both sides that have fewer rows (a data migration may add rows)."""
    return {name: (count, after[name]) for name, count in before.items()
            if name in after and after[name] < count and name not in may_drop}


def _step(app: Flask, revision: str | None) -> dict[str, int]:
    with app.app_context():
        if revision is None:
            upgrade(revision=REVISIONS[0])
        else:
            upgrade(revision=revision)
        with db.engine.begin() as conn:
            return _fill_empty_tables(conn)


@pytest.mark.parametrize("index", range(1, len(REVISIONS)), ids=REVISIONS[1:])
def test_each_step_up_and_down_keeps_the_rows(database: str, index: int) -> None:
    app = make_app(database)
    previous, revision = REVISIONS[index - 1], REVISIONS[index]
    try:
        with app.app_context():
            upgrade(revision=previous)
            with db.engine.begin() as conn:
                before = _fill_empty_tables(conn)
            assert all(before.values()), "every table has a row before the step"

            upgrade(revision=revision)
            with db.engine.begin() as conn:
                assert _lost(before, _counts(conn)) == {}, f"upgrade to {revision} lost rows"
                filled = _fill_empty_tables(conn)

            downgrade(revision=previous)
            with db.engine.begin() as conn:
                may_drop = DOWNGRADE_MAY_DROP.get(revision, frozenset())
                down = _counts(conn)
                assert _lost(filled, down, may_drop) == {}, f"downgrade of {revision} lost rows"

            upgrade(revision=revision)
            with db.engine.begin() as conn:
                assert _lost(down, _counts(conn)) == {}, f"upgrade to {revision} again lost rows"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_first_revision_goes_down_to_an_empty_database_and_up_again(database: str) -> None:
    app = make_app(database)
    try:
        with app.app_context():
            upgrade(revision=REVISIONS[0])
            with db.engine.begin() as conn:
                assert all(_fill_empty_tables(conn).values())
            downgrade(revision="base")
            with db.engine.begin() as conn:
                assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
            upgrade()
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _destructive_calls(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for function in tree.body:
        if not (isinstance(function, ast.FunctionDef) and function.name == "upgrade"):
            continue
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            name = node.func.attr
            keywords = {keyword.arg for keyword in node.keywords}
            if name in DESTRUCTIVE or (name == "alter_column"
                                       and keywords & {"new_column_name", "type_"}):
                found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def test_upgrades_only_add() -> None:
    """Destructive steps need the two-release rule (README "Upgrades") and say so."""
    unmarked = [call for path in sorted((MIGRATIONS / "versions").glob("*.py"))
                if "# destructive:" not in path.read_text()
                for call in _destructive_calls(path)]
    assert unmarked == []


def test_the_destructive_check_sees_a_dropped_column(tmp_path: Path) -> None:
    migration = tmp_path / "x.py"
    migration.write_text("def upgrade():\n    with op.batch_alter_table('user') as batch_op:\n"
                         "        batch_op.drop_column('phone')\n\n"
                         "def downgrade():\n    op.drop_table('user')\n")
    assert [line.split(":", 2)[1] for line in _destructive_calls(migration)] == ["3"]
