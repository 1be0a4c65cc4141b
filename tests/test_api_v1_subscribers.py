"""Subscribers and incident subscribers through the management API: who may read them, the
list's filters and paging, consent on creation, and what staff may and may not undo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import get_incident
from statuspage.models import AuditEntry, Incident, OutboxMessage, Subscriber, utcnow
from statuspage.page.record import get_page
from statuspage.plan.stakeholder_members import MemberInput
from tests.api_v1_support import auth, call, new_token, page_path
from tests.factories import Factory
from tests.stakeholder_support import group_with
from tests.subscription_support import US_MOBILE


@pytest.fixture
def write(app: Flask) -> str:
    return new_token("write", name="crm-sync")


def person(address: str, channel: str = "email", state: str = "active",
           incident: Incident | None = None, minutes_ago: int = 0, **fields: Any) -> Subscriber:
    """A subscriber row in `state` (active, unconfirmed, unsubscribed, or a suppression
    reason such as bounce)."""
    at = utcnow() - timedelta(minutes=minutes_ago)
    row = Subscriber(channel=channel, address=address, created_at=at,
                     confirmed_at=None if state == "unconfirmed" else at,
                     incident_id=incident.id if incident else None, **fields)
    if state == "unsubscribed":
        row.unsubscribed_at, row.suppression_reason = at, "user"
    elif state not in ("active", "unconfirmed"):
        row.suppressed_at, row.suppression_reason = at, state
    db.session.add(row)
    db.session.commit()
    return row


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["email"] or item["endpoint"] or item["phone_number"] for item in response.json]


def test_a_read_token_counts_subscribers_but_does_not_see_who_they_are(
    client: FlaskClient, factory: Factory
) -> None:
    ada = person("ada@example.com")
    incident = factory.incident()
    read = new_token("read", name="dashboard")
    for path in ("subscribers", f"subscribers/{ada.public_id}", "subscribers/unsubscribed",
                 f"incidents/{incident.public_id}/subscribers"):
        refused = call(client, "GET", path, read)
        assert refused.status_code == 403, path
        assert "personal data" in refused.json["message"]
        assert "ada@example.com" not in refused.get_data(as_text=True)
    assert call(client, "GET", "subscribers/count", read).json["email"] == 1
    assert call(client, "GET", "subscribers/histogram_by_state",
                read).json["email"]["active"] == 1
    assert call(client, "DELETE", f"subscribers/{ada.public_id}", read).status_code == 403
    assert call(client, "POST", "subscribers", read, json={
        "subscriber": {"email": "bob@example.com"}}).status_code == 403


def test_the_list_filters_sorts_and_pages_as_statuspage(client: FlaskClient, factory: Factory,
                                                        write: str) -> None:
    person("carol@example.com", minutes_ago=1)
    person("ada@example.com", minutes_ago=3)
    person("bob@example.com", state="unconfirmed", minutes_ago=2)
    person("dan@example.com", state="bounce")
    person("eve@example.com", state="unsubscribed")
    person(US_MOBILE, channel="sms")
    person("frank@example.com", incident=factory.incident())  # a follower: listed apart
    group_with("Executives", MemberInput(name="Grace", email="grace@example.com"))

    def listed(**args: str) -> list[str]:
        query = "&".join(f"{k}={v}" for k, v in args.items())
        return ids(call(client, "GET", f"subscribers?{query}", write))

    assert listed() == [US_MOBILE.removeprefix("+1"), "ada@example.com", "carol@example.com"]
    assert listed(type="email", sort_field="created_at", sort_direction="desc") == [
        "carol@example.com", "ada@example.com"]
    assert listed(state="unconfirmed") == ["bob@example.com"]
    assert listed(state="quarantined") == ["dan@example.com"]
    assert listed(state="all", type="email") == [
        "ada@example.com", "bob@example.com", "carol@example.com", "dan@example.com"]
    assert listed(state="all", q="DA") == ["ada@example.com", "dan@example.com"]
    assert listed(state="all", q="c", sort_field="relevance") == [
        "carol@example.com", "ada@example.com", "bob@example.com", "dan@example.com"]
    # Statuspage numbers the list's pages from 0.
    assert listed(type="email", limit="1", page="0") == ["ada@example.com"]
    assert listed(type="email", limit="1", page="1") == ["carol@example.com"]
    assert listed(type="email", limit="1", page="2") == []
    assert ids(call(client, "GET", "subscribers/unsubscribed", write)) == ["eve@example.com"]
    for bad in ("state=gone", "type=fax", "limit=0", "limit=101", "page=-1", "sort_field=id",
                "sort_direction=up"):
        refused = call(client, "GET", f"subscribers?{bad}", write)
        assert refused.status_code == 422, bad
        assert refused.json["field"] == bad.split("=")[0]
    counts = call(client, "GET", "subscribers/count?state=all", write).json
    assert (counts["email"], counts["sms"], counts["webhook"]) == (4, 1, 0)
    histogram = call(client, "GET", "subscribers/histogram_by_state", write).json
    assert histogram["email"] == {"active": 2, "unconfirmed": 1, "quarantined": 1, "total": 4}


def test_an_address_is_given_once_and_checked_as_the_subscribe_form_checks_it(
    client: FlaskClient, write: str
) -> None:
    def refused(fields: dict[str, Any]) -> str:
        response = call(client, "POST", "subscribers", write, json={"subscriber": fields})
        assert response.status_code == 422, response.json
        return str(response.json["field"])

    assert refused({}) == "email"
    assert refused({"email": "a@example.com", "endpoint": "https://example.com/x"}) == "endpoint"
    assert refused({"email": "a@example.com", "phone_country": "US"}) == "phone_country"
    assert refused({"email": "not an address"}) == "email"
    assert refused({"phone_number": "12", "phone_country": "US"}) == "phone_number"
    assert refused({"phone_number": "4155552671", "phone_country": "usa"}) == "phone_country"
    assert refused({"email": "a@example.com", "page_access_user": "x"}) == "page_access_user"
    assert refused({"email": "a@example.com", "component_ids": ["nope"]}) == "component_ids"
    assert db.session.execute(select(Subscriber)).first() is None
    created = call(client, "POST", "subscribers", write, json={"subscriber": {
        "email": "a@example.com", "skip_confirmation_notification": "true"}})
    assert created.status_code == 201 and created.json["state"] == "active"
    assert refused({"email": "A@example.com"}) == "email"  # already on the list


def test_deleting_unsubscribes_keeps_the_record_and_audits_once(
    client: FlaskClient, write: str
) -> None:
    ada = person("ada@example.com")
    bad_flag = call(client, "DELETE", f"subscribers/{ada.public_id}?skip_unsubscription_"
                    "notification=maybe", write)
    assert bad_flag.json["field"] == "skip_unsubscription_notification"
    response = call(client, "DELETE", f"subscribers/{ada.public_id}"
                    "?skip_unsubscription_notification=True", write)
    assert response.status_code == 200, response.json
    assert response.json["state"] == "unsubscribed"
    # Deleted: the subscriber's own path is gone (the record stays, listed as unsubscribed).
    for method in ("GET", "PATCH", "DELETE"):
        again = call(client, method, f"subscribers/{ada.public_id}", write, json={})
        assert again.status_code == 404 and "unsubscribed" in again.json["message"], method
    listed = call(client, "GET", "subscribers/unsubscribed", write).json
    assert [s["id"] for s in listed] == [ada.public_id]
    db.session.refresh(ada)
    assert (ada.state, ada.suppression_reason) == ("unsubscribed", "admin")
    entries = db.session.execute(select(AuditEntry.actor_label).where(
        AuditEntry.action == "subscriber.unsubscribe")).scalars().all()
    assert entries == ["token:crm-sync"]
    assert call(client, "DELETE", "subscribers/nosuchid", write).status_code == 404


def test_only_a_providers_quarantine_is_lifted_never_a_persons_choice(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    bounced = person("bounced@example.com", state="bounce")
    follow = person("bounced@example.com", state="bounce", incident=factory.incident())
    complained = person("spam@example.com", state="spam_report")
    response = call(client, "POST", "subscribers/reactivate", write, json={
        "subscribers": [bounced.public_id, complained.public_id]})
    assert response.status_code == 201, response.json
    assert response.json == {"subscribers": [bounced.public_id]}
    db.session.expire_all()
    assert [bounced.state, follow.state, complained.state] == ["active", "active",
                                                                "suppressed"]
    assert call(client, "POST", "subscribers/reactivate", write, json={
        "subscribers": ["nosuchid"]}).json["field"] == "subscribers"


def test_bulk_all_refuses_more_than_a_hundred_and_type_narrows_it(
    client: FlaskClient, write: str
) -> None:
    db.session.add_all(Subscriber(channel="email", address=f"p{n}@example.com",
                                  confirmed_at=utcnow()) for n in range(101))
    db.session.commit()
    person(US_MOBILE, channel="sms")
    too_many = call(client, "POST", "subscribers/unsubscribe", write,
                    json={"subscribers": "all"})
    assert too_many.status_code == 409 and too_many.json["field"] == "subscribers"
    done = call(client, "POST", "subscribers/unsubscribe", write,
                json={"subscribers": "all", "type": "sms"})
    assert done.status_code == 201 and len(done.json["subscribers"]) == 1
    states = dict(db.session.execute(select(Subscriber.channel, Subscriber.unsubscribed_at)
                                     .where(Subscriber.channel == "sms")).all())
    assert states["sms"] is not None
    assert call(client, "POST", "subscribers/unsubscribe", write, json={
        "subscribers": ["a"] * 101}).status_code == 422
    assert call(client, "POST", "subscribers/unsubscribe", write, json={
        "subscriber": "all"}).json["field"] == "subscriber"


def test_resending_is_for_the_unconfirmed_only(client: FlaskClient, write: str) -> None:
    waiting = person("waiting@example.com", state="unconfirmed")
    active = person("active@example.com")
    assert call(client, "POST", f"subscribers/{active.public_id}/resend_confirmation",
                write).status_code == 409
    response = call(client, "POST", "subscribers/resend_confirmation", write,
                    json={"subscribers": "all"})
    assert response.json == {"subscribers": [waiting.public_id]}
    sent = db.session.execute(select(OutboxMessage.to)).scalars().all()
    assert sent == ["waiting@example.com"]


def test_followers_are_added_to_open_incidents_only(client: FlaskClient, factory: Factory,
                                                    write: str) -> None:
    incident = factory.incident()
    path = f"incidents/{incident.public_id}/subscribers"
    body = {"subscriber": {"email": "ada@example.com", "skip_confirmation_notification": True}}
    created = call(client, "POST", path, write, json=body)
    assert created.status_code == 201, created.json
    assert created.json["incident_id"] == incident.public_id
    assert call(client, "POST", path, write, json=body).json["field"] == "email"
    follower_id = created.json["id"]
    assert call(client, "PATCH", f"subscribers/{follower_id}", write,
                json={"component_ids": []}).status_code == 409
    other = factory.incident("Another")
    assert call(client, "GET", f"incidents/{other.public_id}/subscribers/{follower_id}",
                write).status_code == 404
    maintenance = factory.maintenance()
    assert call(client, "POST", f"incidents/{maintenance.public_id}/subscribers", write,
                json=body).status_code == 409
    assert call(client, "POST", path, write, json={"subscriber": {
        "endpoint": "https://example.com/hook"}}).json["field"] == "endpoint"
    page = get_page()
    page.allow_incident_subscribers = False
    db.session.commit()
    assert call(client, "POST", path, write, json={"subscriber": {
        "email": "bob@example.com"}}).status_code == 409
    assert get_incident(incident.public_id).id == incident.id


def test_a_spent_sms_budget_is_a_429(client: FlaskClient, write: str) -> None:
    page = get_page()
    page.sms_daily_signup_budget = 0
    db.session.commit()
    response = call(client, "POST", "subscribers", write, json={"subscriber": {
        "phone_number": "4155552671", "phone_country": "US"}})
    assert response.status_code == 429, response.json
    assert db.session.execute(select(OutboxMessage)).first() is None
    assert db.session.execute(select(Subscriber)).first() is None


def send(client: FlaskClient, method: str, suffix: str, secret: str, *fields: str) -> Any:
    """A form-encoded request, as `curl -d A -d B` sends one."""
    return client.open(page_path(suffix), method=method, data="&".join(fields),
                       content_type="application/x-www-form-urlencoded", headers=auth(secret))


def test_form_encoded_bodies_work_as_statuspages_curl_examples_send_them(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    api = factory.component("API")
    created = send(client, "POST", "subscribers", write, "subscriber[email]=ada@example.com",
                   "subscriber[skip_confirmation_notification]=true",
                   f"subscriber[component_ids][]={api.public_id}")
    assert created.status_code == 201, created.json
    assert created.json["components"] == [api.public_id]
    ada = created.json["id"]
    patched = send(client, "PATCH", f"subscribers/{ada}", write, "component_ids[]=")
    assert patched.status_code == 422 and patched.json["field"] == "component_ids"
    done = send(client, "POST", "subscribers/unsubscribe", write, f"subscribers[]={ada}",
                "skip_unsubscription_notification=true")
    assert done.status_code == 201 and done.json == {"subscribers": [ada]}
    group = send(client, "POST", "component-groups", write, "description=Behind it",
                 "component_group[name]=Backend",
                 f"component_group[components][]={api.public_id}")
    assert group.status_code == 201 and group.json["components"] == [api.public_id]
