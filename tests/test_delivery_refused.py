"""One address SendGrid refuses never fails the others: it is suppressed, the rest resent.

SendGrid validates a whole mail/send request before it sends anything: a single invalid `to`
gets the request a 400 naming that recipient (`personalizations.N.to.M.email`). The real SDK
talks to the fake, which answers exactly that for an address it deems invalid.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.tasks.queues import huey
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    email,
    open_plan,  # noqa: F401 (a fixture, used by pytestmark)
    provider_settings,
    task_errors,
)
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid
from tests.worker_support import received_emails

pytestmark = pytest.mark.usefixtures("open_plan")

BAD = "josé@exämple.com"  # a non-ASCII local part and domain: SendGrid refuses it


@pytest.fixture(autouse=True)
def errors() -> Iterator[list[BaseException]]:
    huey.flush()
    with task_errors() as caught:
        yield caught
    assert not caught, caught


@pytest.fixture
def sendgrid(app: Flask, fake_sendgrid: FakeSendGrid) -> FakeSendGrid:
    app.config.update(provider_settings(fake_sendgrid.url), SENDGRID_TIMEOUT_SECONDS=2)
    return fake_sendgrid


def _fifty_with_one_bad() -> int:
    """50 subscribers, the 18th with an address SendGrid refuses; returns its id."""
    ids = add_subscribers(50)
    db.session.execute(update(Subscriber).where(Subscriber.id == ids[17])
                       .values(address=BAD))
    db.session.commit()
    return ids[17]


def test_one_refused_address_is_suppressed_and_the_other_49_are_delivered(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    bad_id = _fifty_with_one_bad()

    factory.incident()

    valid = {email(n) for n in range(50) if n != 17}
    delivered = received_emails([r for r in sendgrid.sends if r.answer_status == 202])
    assert delivered == {address: 1 for address in valid}
    rows = {d.subscriber_id: d for d in deliveries()}
    assert sum(d.state == "sent" for d in rows.values()) == 49
    refused = rows[bad_id]
    # A record of its own: failed, with SendGrid's reason and the field it named.
    assert refused.state == "failed"
    assert refused.error_code == "invalid_address"
    assert "Does not contain a valid address" in (refused.last_error or "")
    subscriber = db.session.get(Subscriber, bad_id)
    assert subscriber is not None and subscriber.suppressed_at is not None
    assert subscriber.suppression_reason == "provider_error"
    # The 49 share the message id of the call that sent them; the refused one has none.
    assert refused.provider_message_id is None
    assert len({d.provider_message_id for d in rows.values() if d.state == "sent"}) == 1

    # The next publish leaves the suppressed address out: 49 in one call.
    before = len(sendgrid.sends)
    factory.incident(name="Another one")
    after = sendgrid.sends[before:]
    assert len(after) == 1 and after[0].answer_status == 202
    assert set(received_emails(after)) == valid


def test_a_400_about_the_request_itself_still_fails_the_batch(
    app: Flask, factory: Factory, sendgrid: FakeSendGrid,
) -> None:
    add_subscribers(3)
    sendgrid.respond_bad_request()  # "from" not verified: nobody's address is at fault

    factory.incident()

    assert {(d.state, d.error_code) for d in deliveries()} == {("failed", "400")}
    assert db.session.execute(db.select(Subscriber.suppressed_at)).scalars().all() == [None] * 3
