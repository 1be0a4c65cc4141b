"""Shared fixtures: an app on a fresh database (SQLite by default, PostgreSQL via DATABASE_URL).

On PostgreSQL every test session creates its own schema and drops it at the end, so
concurrent runs on one server never see each other's data.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

# Isolate the instance folder (secret key, SQLite files, Huey queue) before the app is imported.
_INSTANCE = Path(tempfile.mkdtemp(prefix="statuspage-test-"))
os.environ.setdefault("INSTANCE_PATH", str(_INSTANCE))
os.environ["HUEY_IMMEDIATE"] = "true"

import pytest  # noqa: E402
from flask import Flask  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from statuspage import create_app  # noqa: E402
from statuspage.core.extensions import db  # noqa: E402
from tests.delivery_support import provider_settings, task_errors  # noqa: E402
from tests.factories import Factory  # noqa: E402
from tests.fakes.providers import FakeSendGrid, FakeTwilio  # noqa: E402

pytest_plugins = ["tests.fakes.fixtures"]


def _lazy_url_builders() -> None:
    """Compile each route's URL builder on first use instead of when the app is built.

    Every test builds its own app, and Werkzeug compiles two URL builders per rule (Python code
    generated through `ast`): ~150 ms of the ~170 ms create_app takes with our 128 rules, about
    3 minutes per suite run. Matching does not use the builders, and a builder compiled later is
    the same function, so url_for behaves exactly as before; only unused builders are skipped.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # a Werkzeug without it: keep its own behaviour
        return

    def lazy(self: Rule, append_unknown: bool = True):  # type: ignore[no-untyped-def]
        built = None

        def build(*args, **kwargs):  # type: ignore[no-untyped-def]
            nonlocal built
            if built is None:
                built = compile_builder(self, append_unknown)
            return built(*args, **kwargs)

        return build

    Rule._compile_builder = lazy  # type: ignore[method-assign]


_lazy_url_builders()

PG_URL = os.environ.get("DATABASE_URL", "")


def _pg_schema_url() -> tuple[str, str] | None:
    if not PG_URL.startswith(("postgres://", "postgresql")):
        return None
    schema = f"test_{secrets.token_hex(6)}"
    url = PG_URL.replace("postgres://", "postgresql://", 1)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    sep = "&" if "?" in url else "?"
    # synchronous_commit off: a commit does not wait for the WAL to reach the disk (the
    # tests never crash the server), which halves the PostgreSQL pass on a slow disk.
    return (f"{url}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff",
            schema)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """The database for this test session: a private PostgreSQL schema, or a SQLite file."""
    pg = _pg_schema_url()
    if pg is None:
        yield f"sqlite:///{_INSTANCE / 'test.sqlite3'}"
        return
    url, schema = pg
    yield url
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def _schema(database_url: str) -> Iterator[None]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield


def make_app(database_url: str, **overrides: object) -> Flask:
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "TESTING": True,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "CACHE_CHECK_SECONDS": 0.0,
        "PUBLIC_BASE_URL": "https://status.example.com",
        "RATELIMIT_STORAGE_URI": "memory://",
        # In-process fan-outs (HUEY_IMMEDIATE) run the SMS pump inline: at the default 1 SMS a
        # second a test texting five stakeholders sleeps four seconds. Tests about pacing set
        # their own rate.
        "TWILIO_MAX_PER_SECOND": 500.0,
        # No heartbeat threads in the tests' apps; tests of the heartbeat start their own.
        "PROCESS_HEARTBEAT_SECONDS": 0.0,
    }
    if database_url.startswith("postgresql"):
        # Every test builds its own app and engine: a small pool, which the `app` fixture
        # disposes of at the end of the test (an engine some test forgets closes its
        # connections when it is collected). Without a pool every checkout opened a new
        # connection: hundreds per test, most of the PostgreSQL pass's time.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 2, "max_overflow": 10}
    config.update(overrides)
    return create_app(config)


def _empty_tables() -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app(database_url: str, _schema: None) -> Iterator[Flask]:
    """A fresh app on empty tables; CSRF and rate limits off unless a test turns them on."""
    app = make_app(database_url)
    with app.app_context():
        _empty_tables()
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def factory(app: Flask) -> Factory:
    return Factory()


@pytest.fixture
def errors() -> Iterator[list[BaseException]]:
    """Exceptions raised by tasks run in-process (HUEY_IMMEDIATE); the test fails on any.
    Modules whose every test publishes use it for all: `pytestmark = usefixtures("errors")`."""
    with task_errors() as caught:
        yield caught
    assert not caught, caught


@pytest.fixture
def providers(app: Flask, fake_sendgrid: FakeSendGrid, fake_twilio: FakeTwilio) -> None:
    """The app sends through the real SDKs to the fake SendGrid and Twilio."""
    app.config.update(provider_settings(sendgrid_url=fake_sendgrid.url,
                                        twilio_url=fake_twilio.url),
                      TWILIO_MAX_PER_SECOND=50.0)
