"""An expansion takes SMS, webhooks, chat and stakeholder members before the public email
subscribers, so a text never waits for a million email rows (delivery.expand's two passes).
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.delivery.expand import PUBLIC_EMAIL, expand_event
from statuspage.models import FanoutEvent
from statuspage.page.record import get_page
from statuspage.tasks.queues import huey, sms_huey
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    only_event,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    queued_tasks,
    run_worker,
    statements,
)
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("open_plan")


@pytest.fixture(autouse=True)
def _small_batches(app: Flask) -> None:
    huey.flush()
    sms_huey.flush()
    app.config.update(FANOUT_BATCH_SIZE=10)


def test_texts_and_webhooks_are_created_before_any_public_email(
    app: Flask, factory: Factory,
) -> None:
    emails = add_subscribers(35)
    # Signed up last: in one pass by id they came after every email row.
    texts = add_subscribers(2, "sms")
    hooks = add_subscribers(1, "webhook")
    assert max(emails) < min(texts + hooks)
    with queued_tasks():
        factory.incident()
        run_worker(app, only=["expand_event"])

    made = deliveries()
    assert [d.channel for d in made[:3]] == ["sms", "sms", "webhook"]
    assert [d.channel for d in made[3:]] == ["email"] * 35
    assert {d.subscriber_id for d in made} == set(emails + texts + hooks)
    event = only_event()
    assert (event.state, event.expansion_pass) == ("done", PUBLIC_EMAIL)


def test_an_expansion_stopped_in_the_email_pass_resumes_in_it(
    app: Flask, factory: Factory,
) -> None:
    emails = add_subscribers(30)
    add_subscribers(2, "sms")
    with queued_tasks():
        factory.incident()
    # As a worker that died leaves it: the first pass done (its deliveries were made then),
    # the email pass at its 20th subscriber, the lease given back.
    db.session.execute(update(FanoutEvent).values(
        state="expanding", expansion_pass=PUBLIC_EMAIL, cursor=emails[19], lease_until=None))
    db.session.commit()

    created = expand_event(only_event().id)

    assert created == 10
    made = deliveries()
    assert [d.subscriber_id for d in made] == emails[20:]
    assert {d.channel for d in made} == {"email"}
    assert only_event().state == "done"


def test_an_email_only_event_does_not_look_for_a_first_pass(
    app: Flask, factory: Factory,
) -> None:
    """With only public email on the plan, the first pass cannot reach anyone: no query
    walks the subscribers for it (a million-row page would pay for one)."""
    page = get_page()
    page.allow_sms_subscribers = page.allow_webhook_subscribers = False
    page.allow_chat_subscribers = False
    db.session.commit()
    add_subscribers(12)
    add_subscribers(1, "sms")
    with queued_tasks():
        factory.incident()
        with statements() as seen:
            run_worker(app, only=["expand_event"])

    assert [d.channel for d in deliveries()] == ["email"] * 12
    assert only_event().state == "done"
    # Batches of 10 in the email pass: two, then the look that finds none left.
    assert len([s for s in seen if s.startswith("SELECT max(")]) == 3
