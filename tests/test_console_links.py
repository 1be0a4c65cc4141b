"""Links to console pages in messages the worker builds: its app has no routes (create_worker_app
leaves the web's code out), so they come from messages.context.CONSOLE_PATHS, checked here
against the console's own routes."""

from __future__ import annotations

import pytest
from flask import Flask

from statuspage import create_worker_app
from statuspage.core.extensions import db
from statuspage.incidents import approval_notices
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.messages.context import CONSOLE_PATHS, console_link
from statuspage.models import utcnow
from statuspage.tasks import runner
from tests.approval_support import cheap_passwords, require_approval, team
from tests.factories import Factory
from tests.subscription_support import outbox


@pytest.mark.parametrize("endpoint", sorted(CONSOLE_PATHS))
def test_each_path_is_the_consoles_own_route(app: Flask, endpoint: str) -> None:
    built = app.url_map.bind("localhost").build(endpoint, {"public_id": "ab12cd34ef56"})
    assert console_link(endpoint, "ab12cd34ef56") == f"https://status.example.com{built}"


def test_the_worker_app_sends_approval_notices_with_console_links(
        app: Flask, factory: Factory, monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    """The worker (create_worker_app: no routes) tells approvers, with the link to the draft."""
    cheap_passwords(monkeypatch)
    members = team(factory)
    monkeypatch.setitem(runner.JOBS, "notify_approvers", _queue_down)  # the worker sends it
    incident = factory.incident(name="Checkout errors")
    require_approval()
    update = post_update(incident, UpdateInput(status="identified", body="Found it."),
                         members["author"])
    assert outbox() == []
    worker = create_worker_app({"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True,
                                "PUBLIC_BASE_URL": "https://status.example.com"})
    assert [r.endpoint for r in worker.url_map.iter_rules()] == ["static"]
    with worker.app_context():
        assert approval_notices.notify_waiting(utcnow()) == [update.public_id]
        db.session.remove()
    link = (f"https://status.example.com/console/incidents/{incident.public_id}"
            f"#draft-{update.public_id}")
    assert all(link in message.body for message in outbox("email"))
    assert len(outbox("email")) == 2


def _queue_down(*_: object) -> None:
    raise ConnectionError("queue down")
