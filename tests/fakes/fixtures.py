"""pytest fixtures for the fake providers, registered from tests/conftest.py.

Each fake is started once per test session (starting a server per test is slow) and reset
before every test that uses it, so recorded requests and queued answers never leak between tests.

    def test_x(fake_sendgrid):
        fake_sendgrid.respond_with(429, headers={"Retry-After": "5"})
        ...
        assert fake_sendgrid.sends[0].json["personalizations"]
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from statuspage.core import error_reporting
from tests.fakes.chat import FakeChat
from tests.fakes.providers import FakeSendGrid, FakeTwilio, FakeWebhookReceiver
from tests.fakes.sentry import FakeSentry
from tests.fakes.statuspage import FakeStatuspage


@pytest.fixture(scope="session")
def _fake_sendgrid_server() -> Iterator[FakeSendGrid]:
    server = FakeSendGrid()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _fake_twilio_server() -> Iterator[FakeTwilio]:
    server = FakeTwilio()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _fake_webhook_server() -> Iterator[FakeWebhookReceiver]:
    server = FakeWebhookReceiver()
    yield server
    server.stop()


@pytest.fixture
def fake_sendgrid(_fake_sendgrid_server: FakeSendGrid) -> Iterator[FakeSendGrid]:
    """A local SendGrid: point SENDGRID_API_BASE_URL at `fake_sendgrid.url`."""
    _fake_sendgrid_server.reset()
    yield _fake_sendgrid_server
    _fake_sendgrid_server.reset()


@pytest.fixture
def fake_twilio(_fake_twilio_server: FakeTwilio) -> Iterator[FakeTwilio]:
    """A local Twilio: point TWILIO_API_BASE_URL at `fake_twilio.url`."""
    _fake_twilio_server.reset()
    yield _fake_twilio_server
    _fake_twilio_server.reset()


@pytest.fixture
def fake_webhook(_fake_webhook_server: FakeWebhookReceiver) -> Iterator[FakeWebhookReceiver]:
    """A local webhook receiver; `fake_webhook.url_for("/hook")` is a URL to subscribe."""
    _fake_webhook_server.reset()
    yield _fake_webhook_server
    _fake_webhook_server.reset()


@pytest.fixture(scope="session")
def _fake_sentry_server() -> Iterator[FakeSentry]:
    server = FakeSentry()
    yield server
    server.stop()


@pytest.fixture
def fake_sentry(_fake_sentry_server: FakeSentry) -> Iterator[FakeSentry]:
    """A local Sentry: build the app with SENTRY_DSN=fake_sentry.dsn. Reporting is stopped
    after the test, so the next app starts its own."""
    _fake_sentry_server.reset()
    yield _fake_sentry_server
    error_reporting.close()
    _fake_sentry_server.reset()


@pytest.fixture(scope="session")
def _fake_chat_server() -> Iterator[FakeChat]:
    server = FakeChat()
    yield server
    server.stop()


@pytest.fixture
def fake_chat(_fake_chat_server: FakeChat) -> Iterator[FakeChat]:
    """Local Slack, Teams, Discord and Google Chat webhooks (tests/fakes/chat.py):
    `fake_chat.destination_url("slack", "ops")` is a destination to send to."""
    _fake_chat_server.reset()
    yield _fake_chat_server
    _fake_chat_server.reset()


@pytest.fixture(scope="session")
def _fake_statuspage_server() -> Iterator[FakeStatuspage]:
    server = FakeStatuspage()
    yield server
    server.stop()


@pytest.fixture
def fake_statuspage(_fake_statuspage_server: FakeStatuspage) -> Iterator[FakeStatuspage]:
    """A local Statuspage (tests/fakes/statuspage.py): `fake_statuspage.serve(generate())`,
    then import from `fake_statuspage.url + "/v1"` (Manage API) or `fake_statuspage.url`."""
    _fake_statuspage_server.reset()
    yield _fake_statuspage_server
    _fake_statuspage_server.reset()
