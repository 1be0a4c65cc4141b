"""Console subscribers: search and filters, add (confirmation or pre-confirmed), remove, resend."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, Delivery, FanoutEvent, Subscriber
from tests.console.conftest import LoginHelper
from tests.console.conftest_content import field_error, input_value
from tests.console.subscriber_helpers import make_subscriber, outbox_to
from tests.factories import Factory


def _listed(html: str) -> set[str]:
    return set(re.findall(r'<tr id="subscriber-[^"]+"[^>]*>\s*<td><a [^>]*>([^<]+)</a>', html))


def _subscriber(address: str) -> Subscriber | None:
    db.session.expire_all()
    return db.session.query(Subscriber).filter_by(address=address).one_or_none()


def test_viewers_search_and_filter_by_channel_and_state(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="viewer")
    make_subscriber("alice@acme.example", state="active")
    make_subscriber("bob@acme.example", state="unconfirmed")
    make_subscriber("carol@other.example", state="unsubscribed")
    make_subscriber("dave@acme.example", state="suppressed")
    make_subscriber("+14155550100", channel="sms", state="active")

    assert _listed(client.get("/console/subscribers").get_data(as_text=True)) == {
        "alice@acme.example", "bob@acme.example", "carol@other.example", "dave@acme.example",
        "+14155550100"}
    assert _listed(client.get("/console/subscribers?q=ACME").get_data(as_text=True)) == {
        "alice@acme.example", "bob@acme.example", "dave@acme.example"}
    assert _listed(client.get("/console/subscribers?channel=sms").get_data(as_text=True)) == {
        "+14155550100"}
    for state, expected in [("active", {"alice@acme.example", "+14155550100"}),
                            ("unconfirmed", {"bob@acme.example"}),
                            ("unsubscribed", {"carol@other.example"}),
                            ("suppressed", {"dave@acme.example"})]:
        html = client.get(f"/console/subscribers?state={state}").get_data(as_text=True)
        assert _listed(html) == expected, state
    combined = client.get("/console/subscribers?q=acme&state=active&channel=email")
    assert _listed(combined.get_data(as_text=True)) == {"alice@acme.example"}


def test_search_text_is_matched_literally(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    make_subscriber("under_score@acme.example")
    make_subscriber("plain@acme.example")
    assert _listed(client.get("/console/subscribers?q=_").get_data(as_text=True)) == {
        "under_score@acme.example"}
    assert _listed(client.get("/console/subscribers?q=%25").get_data(as_text=True)) == set()


def test_the_list_is_paginated_and_pages_keep_the_filters(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="viewer")
    for n in range(55):
        make_subscriber(f"p{n:02d}@acme.example")
    make_subscriber("someone@other.example")
    html = client.get("/console/subscribers?q=acme").get_data(as_text=True)
    assert len(_listed(html)) == 50
    assert "p54@acme.example" in html and "p04@acme.example" not in html  # newest first
    assert "Page 1 of 2" in html
    next_link = re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    second = client.get(next_link).get_data(as_text=True)
    assert _listed(second) == {f"p{n:02d}@acme.example" for n in range(5)}


def test_viewers_see_no_change_buttons(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    subscriber = make_subscriber(state="unconfirmed")
    html = client.get("/console/subscribers").get_data(as_text=True)
    assert "Add a subscriber" not in html and "Import CSV" not in html
    detail = client.get(f"/console/subscribers/{subscriber.public_id}").get_data(as_text=True)
    assert "Resend confirmation" not in detail and "Remove" not in detail
    assert client.post("/console/subscribers/new", data={
        "channel": "email", "address": "x@acme.example"}).status_code == 403
    assert _subscriber("x@acme.example") is None


def test_communicator_adds_a_subscriber_who_gets_a_confirmation(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    user = login(client, role="communicator")
    api = factory.component("API")
    response = client.post("/console/subscribers/new", data={
        "channel": "email", "address": " New.Person@Acme.EXAMPLE ", "components": [str(api.id)],
        "language": "de"})
    assert response.status_code == 303
    subscriber = _subscriber("new.person@acme.example")
    assert subscriber is not None and subscriber.state == "unconfirmed"
    assert subscriber.consent_source == "console" and subscriber.language == "de"
    assert [c.name for c in subscriber.components] == ["API"]
    sent = outbox_to("new.person@acme.example")
    assert len(sent) == 1 and "/confirm/" in sent[0].body
    entry = AuditEntry.query.filter_by(action="subscriber.add").one()
    assert entry.actor_id == user.id and entry.target_id == subscriber.public_id
    assert "confirmation is on its way" in client.get(response.headers["Location"]).get_data(
        as_text=True)


def test_admin_adds_a_pre_confirmed_subscriber_without_a_confirmation(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    response = client.post("/console/subscribers/new", data={
        "channel": "sms", "address": "+1 (415) 555-0100", "pre_confirmed": "y",
        "consent_note": "Signed the paper form at the 2024 user conference"})
    assert response.status_code == 303
    subscriber = _subscriber("+14155550100")
    assert subscriber is not None and subscriber.state == "active"
    assert subscriber.consent_source == "console" and subscriber.consent_at is not None
    assert subscriber.consent_note == "Signed the paper form at the 2024 user conference"
    assert outbox_to("+14155550100") == []
    entry = AuditEntry.query.filter_by(action="subscriber.add").one()
    assert entry.details["pre_confirmed"] is True


def test_pre_confirmed_needs_a_consent_note(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    response = client.post("/console/subscribers/new", data={
        "channel": "email", "address": "noted@acme.example", "pre_confirmed": "y"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "how and when" in field_error(html, "consent_note").lower()
    assert input_value(html, "address") == "noted@acme.example"
    assert _subscriber("noted@acme.example") is None


def test_communicators_cannot_pre_confirm(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    form = client.get("/console/subscribers/new").get_data(as_text=True)
    assert 'name="pre_confirmed"' not in form
    response = client.post("/console/subscribers/new", data={
        "channel": "email", "address": "sneaky@acme.example", "pre_confirmed": "y",
        "consent_note": "trust me"})
    assert response.status_code == 422
    assert "Only admins" in response.get_data(as_text=True)
    assert _subscriber("sneaky@acme.example") is None
    assert outbox_to("sneaky@acme.example") == []


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"channel": "email", "address": "not-an-email"}, "address", "valid email"),
    ({"channel": "sms", "address": "+33612345678"}, "address", "numbers in"),
    ({"channel": "pigeon", "address": "coop 4"}, "channel", "webhook"),
])
def test_invalid_additions_are_explained_next_to_the_field(
    client: FlaskClient, login: LoginHelper, data: dict[str, str], field: str, message: str
) -> None:
    login(client, role="communicator")
    response = client.post("/console/subscribers/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in field_error(html, field)
    assert input_value(html, "address") == data["address"]
    assert db.session.query(Subscriber).count() == 0


def test_adding_an_existing_address_is_refused_naming_its_state(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    make_subscriber("known@acme.example", state="unsubscribed")
    make_subscriber("bounced@acme.example", state="suppressed")
    response = client.post("/console/subscribers/new", data={
        "channel": "email", "address": "Known@acme.example", "pre_confirmed": "y",
        "consent_note": "phone call"})
    assert response.status_code == 422
    assert "already on the list (unsubscribed)" in field_error(
        response.get_data(as_text=True), "address")
    assert _subscriber("known@acme.example").state == "unsubscribed"

    response = client.post("/console/subscribers/new", data={
        "channel": "email", "address": "bounced@acme.example"})
    assert response.status_code == 422
    assert "(suppressed)" in field_error(response.get_data(as_text=True), "address")
    assert outbox_to("bounced@acme.example") == []


def test_someone_who_unsubscribed_can_be_asked_again(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="communicator")
    make_subscriber("changed.mind@acme.example", state="unsubscribed")
    response = client.post("/console/subscribers/new", data={
        "channel": "email", "address": "changed.mind@acme.example"})
    assert response.status_code == 303
    subscriber = _subscriber("changed.mind@acme.example")
    assert subscriber.state == "unconfirmed" and subscriber.consent_source == "console"
    assert len(outbox_to("changed.mind@acme.example")) == 1


def test_removing_asks_first_then_deletes_with_an_audit_entry(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    user = login(client, role="communicator")
    subscriber = make_subscriber("leaving@acme.example", components=[factory.component()])
    event = FanoutEvent(kind="incident_update", channels=["email"], state="done")
    db.session.add(event)
    db.session.flush()
    db.session.add(Delivery(event_id=event.id, subscriber_id=subscriber.id, channel="email"))
    db.session.commit()
    url = f"/console/subscribers/{subscriber.public_id}/remove"

    page = client.get(url).get_data(as_text=True)
    assert "Remove leaving@acme.example?" in page and "cannot be undone" in page
    assert _subscriber("leaving@acme.example") is not None

    response = client.post(url)
    assert response.status_code == 303
    assert _subscriber("leaving@acme.example") is None
    assert db.session.query(Delivery).count() == 0
    entry = AuditEntry.query.filter_by(action="subscriber.remove").one()
    assert entry.actor_id == user.id
    assert entry.details["address"] == "leaving@acme.example"
    assert client.get(url).status_code == 404


def test_resend_confirmation_sends_again_only_to_unconfirmed(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="communicator")
    client.post("/console/subscribers/new", data={"channel": "email",
                                                  "address": "slow@acme.example"})
    pending = _subscriber("slow@acme.example")
    response = client.post(f"/console/subscribers/{pending.public_id}/resend")
    assert response.status_code == 303
    assert len(outbox_to("slow@acme.example")) == 2
    assert AuditEntry.query.filter_by(action="subscriber.resend_confirmation").count() == 1

    active = make_subscriber("done@acme.example", state="active")
    response = client.post(f"/console/subscribers/{active.public_id}/resend",
                           follow_redirects=True)
    assert "Only unconfirmed subscribers" in response.get_data(as_text=True)
    assert outbox_to("done@acme.example") == []


def test_detail_shows_the_consent_record(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    subscriber = make_subscriber("proof@acme.example", consent_source="import",
                                 consent_note="CRM export of opted-in customers")
    html = client.get(f"/console/subscribers/{subscriber.public_id}").get_data(as_text=True)
    assert "import" in html and "CRM export of opted-in customers" in html
    assert "192.0.2.7" in html
