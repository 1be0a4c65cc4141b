"""The dashboard warns when due deliveries wait: a worker or the SMS process is not running."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.models import Delivery, utcnow
from statuspage.tasks.queues import huey
from tests.console.conftest import LoginHelper
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    queued_tasks,
    run_worker,
)
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("open_plan")


def _queued_but_never_sent(app: Flask, factory: Factory) -> None:
    """Deliveries expanded while no sender ran (the send tasks are dropped)."""
    add_subscribers(3, "email")
    add_subscribers(2, "sms", start=100)
    with queued_tasks():
        factory.incident(severity="SEV1")
        run_worker(app, only=["expand_event"])
    huey.flush()


def _age(minutes: int) -> None:
    then = utcnow() - timedelta(minutes=minutes)
    db.session.execute(update(Delivery).values(created_at=then, next_attempt_at=then))
    db.session.commit()


def test_fresh_queued_deliveries_raise_no_warning(
    app: Flask, client: FlaskClient, factory: Factory, login: LoginHelper,
) -> None:
    _queued_but_never_sent(app, factory)
    assert {d.channel for d in deliveries()} == {"email", "sms"}
    login(client, role="viewer")
    page = client.get("/console/").get_data(as_text=True)
    assert 'id="stalled-' not in page


def test_deliveries_waiting_too_long_name_the_process_that_should_send_them(
    app: Flask, client: FlaskClient, factory: Factory, login: LoginHelper,
) -> None:
    _queued_but_never_sent(app, factory)
    _age(minutes=10)
    login(client, role="viewer")
    page = client.get("/console/").get_data(as_text=True)
    assert 'id="stalled-email"' in page and 'id="stalled-sms"' in page
    assert "3 email deliveries have been waiting" in page
    assert "2 sms deliveries have been waiting" in page
    assert "“sms” process" in page and "“worker” process" in page


def test_a_delivery_waiting_for_its_retry_time_is_not_a_stall(
    app: Flask, client: FlaskClient, factory: Factory, login: LoginHelper,
) -> None:
    _queued_but_never_sent(app, factory)
    _age(minutes=10)
    db.session.execute(update(Delivery).values(next_attempt_at=utcnow() + timedelta(minutes=3)))
    db.session.commit()
    login(client, role="viewer")
    assert 'id="stalled-' not in client.get("/console/").get_data(as_text=True)
