"""Followers in the fan-out: their incident's public updates, once each, until the follow ends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.delivery.receipts import handle_inbound_sms
from statuspage.incidents import postmortems
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Delivery, Incident, Subscriber, utcnow
from statuspage.plan.reach import FOLLOWERS, ReachLine, reach
from statuspage.privacy.retention import apply_retention
from statuspage.subscriptions import follows
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.tasks import subscriptions as subscription_tasks
from tests.console.conftest_content import as_role
from tests.delivery_support import queued_tasks, run_worker
from tests.factories import Factory
from tests.subscription_support import US_MOBILE, outbox, path_of, reloaded

pytestmark = pytest.mark.usefixtures("errors")


def active_follower(incident: Incident, address: str = "ana@example.com",
                    channel: str = "email") -> Subscriber:
    """A confirmed follow, as the follow page and its confirmation leave it."""
    row = follows.follow(incident, channel, address, "en", "203.0.113.7")
    row.confirmed_at = utcnow()
    db.session.commit()
    return row


def page_subscriber(address: str = "ana@example.com", channel: str = "email",
                    components: list[int] | None = None) -> Subscriber:
    row = subscriptions.subscribe(channel, address, components or [], "en", None)
    row.confirmed_at = utcnow()
    db.session.commit()
    return row


def mails_about(title: str, to: str = "ana@example.com") -> list[str]:
    return [m.subject for m in outbox("email", to) if title in m.subject]


def update(incident: Incident, body: str, visibility: str = "public",
           components: dict[int, str] | None = None) -> None:
    post_update(incident, UpdateInput(status="identified", body=body, visibility=visibility,
                                      component_statuses=components or {}), None)


def test_followers_get_their_incidents_public_updates_only(factory: Factory) -> None:
    followed = factory.incident("Checkout is down")
    other = factory.incident("Search is slow")
    active_follower(followed)
    update(followed, "Found it.")
    update(followed, "Internal notes.", visibility="internal")
    update(other, "Still looking.")
    assert mails_about("Checkout is down") == ["[Acme] Checkout is down: Identified"]
    assert mails_about("Search is slow") == []
    assert not any("Internal notes" in m.body for m in outbox("email", "ana@example.com"))


def test_followers_are_reached_whatever_the_components(factory: Factory) -> None:
    api, web = factory.component("API"), factory.component("Web")
    incident = factory.incident("API errors", components={api: "major_outage"})
    page_subscriber("web-fan@example.com", components=[web.id])
    active_follower(incident, "web-fan@example.com")
    update(incident, "Fixing.", components={api.id: "partial_outage"})
    # Follows the incident, not the component: one message, as a follower.
    assert mails_about("API errors", "web-fan@example.com") == ["[Acme] API errors: Identified"]


def test_a_page_subscriber_who_follows_gets_each_message_once(factory: Factory) -> None:
    page_wide = page_subscriber()
    incident = factory.incident("Checkout is down")
    follower = active_follower(incident)
    update(incident, "Found it.")
    assert mails_about("Checkout is down") == ["[Acme] Checkout is down: Investigating",
                                               "[Acme] Checkout is down: Identified"]
    # Delivered as the page subscriber (its links), never a second time as the follower.
    rows = db.session.execute(select(Delivery.subscriber_id)).scalars().all()
    assert follower.id not in rows and page_wide.id in rows
    assert [line for line in reach(incident, "identified", []) if line.audience == FOLLOWERS] \
        == []


def test_the_reach_preview_counts_followers_as_the_fan_out_delivers(factory: Factory) -> None:
    incident = factory.incident("Checkout is down")
    other = factory.incident("Search is slow")
    page_subscriber("page@example.com")
    active_follower(incident, "one@example.com")
    active_follower(incident, "two@example.com")
    active_follower(other, "three@example.com")
    follows.follow(incident, "email", "pending@example.com", "en", None)  # unconfirmed
    lines = reach(incident, "identified", [])
    assert ReachLine("public", "email", 1) in lines
    assert ReachLine(FOLLOWERS, "email", 2, "Following this incident") in lines
    assert reach(incident, "identified", [], visibility="internal") == []
    update(incident, "Found it.")
    assert sorted(m.to for m in outbox("email") if "Checkout" in m.subject) == [
        "one@example.com", "page@example.com", "two@example.com"]


def test_the_console_counts_and_lists_the_followers(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident("Checkout is down")
    active_follower(incident)
    as_role(client, factory, "communicator")
    preview = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "identified", "body": "Found it.", "visibility": "public",
        "deliver_notifications": "y", "action": "reach"}).get_data(as_text=True)
    assert ('<tr data-audience="followers" data-channel="email"><th scope="row">Following '
            'this incident</th><td>email</td><td class="num">1</td></tr>') in preview
    page = client.get(f"/console/incidents/{incident.public_id}").get_data(as_text=True)
    assert "1 following this incident" in page
    listed = client.get(f"/console/subscribers?incident={incident.public_id}")
    html = listed.get_data(as_text=True)
    assert "ana@example.com" in html and "Following Checkout is down only." in html
    assert "ana@example.com" not in client.get("/console/subscribers?scope=page").get_data(
        as_text=True)
    assert "ana@example.com" in client.get("/console/subscribers?scope=incident").get_data(
        as_text=True)


def test_the_follow_ends_after_the_window_and_they_got_the_resolution(
    app: Flask, factory: Factory
) -> None:
    incident = factory.incident("Checkout is down")
    follower = active_follower(incident)
    resolve_incident(incident, "Fixed.", None)
    assert mails_about("Checkout is down") == ["[Acme] Checkout is down: Resolved"]
    assert follows.end_finished_follows() == 0  # the postmortem may still come
    days = app.config["POSTMORTEM_FOLLOW_DAYS"]
    assert follows.end_finished_follows(utcnow() + timedelta(days=days - 1)) == 0
    assert follows.end_finished_follows(utcnow() + timedelta(days=days, minutes=1)) == 1
    ended = reloaded(follower)
    assert ended.state == "unsubscribed" and ended.suppression_reason == "ended"
    post_update(incident, UpdateInput(status="resolved", body="A late note."), None)
    assert len(mails_about("Checkout is down")) == 1


def test_the_follow_ends_once_the_postmortem_notice_is_out(
    app: Flask, factory: Factory, client: FlaskClient
) -> None:
    incident = factory.incident("Checkout is down")
    follower = active_follower(incident)
    resolve_incident(incident, "Fixed.", None)
    postmortems.save_draft(incident, "What happened, and what we change.", None)
    with queued_tasks():
        postmortems.publish(incident, notify=True, actor=None)
        # Its notice is not expanded yet: the follow holds until it is.
        assert follows.end_finished_follows() == 0
        run_worker(app)
    assert [s for s in mails_about("Checkout is down") if "Postmortem" in s]
    assert follows.end_finished_follows() == 1
    assert reloaded(follower).suppression_reason == "ended"
    manage = client.get(path_of(subscriptions.manage_url(follower))).get_data(as_text=True)
    assert "This incident is over" in manage and "Subscribe again" not in manage


def test_with_no_window_the_follow_ends_at_the_resolution_after_its_notice(
    app: Flask, factory: Factory
) -> None:
    app.config["POSTMORTEM_FOLLOW_DAYS"] = 0
    incident = factory.incident("Checkout is down")
    active_follower(incident)
    with queued_tasks():
        resolve_incident(incident, "Fixed.", None)
        assert follows.end_finished_follows() == 0
        run_worker(app)
    assert mails_about("Checkout is down") == ["[Acme] Checkout is down: Resolved"]
    # The periodic task (every ten minutes) does it.
    assert subscription_tasks.end_incident_follows.call_local() == 1


def test_the_one_click_link_of_a_follower_ends_the_follow_only(
    client: FlaskClient, factory: Factory
) -> None:
    page_wide = page_subscriber("ana@example.com", components=[factory.component("Web").id])
    api = factory.component("API")
    incident = factory.incident("API errors", components={api: "major_outage"})
    follower = active_follower(incident)
    # About API only: the page-wide subscription (Web) is not reached, the follow is.
    update(incident, "Found it.", components={api.id: "partial_outage"})
    [mail] = [m for m in outbox("email", "ana@example.com") if "API errors" in m.subject]
    url = mail.headers["List-Unsubscribe"].strip("<>")
    page = client.get(path_of(url)).get_data(as_text=True)
    assert "Stop updates on the incident API errors" in page
    assert client.post(path_of(url), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert reloaded(follower).state == "unsubscribed"
    assert reloaded(page_wide).state == "active"
    update(incident, "Still on it.", components={api.id: "partial_outage"})
    assert len(mails_about("API errors")) == 1


def test_stop_ends_every_row_of_the_number_and_start_restores_them(factory: Factory) -> None:
    page_wide = page_subscriber(US_MOBILE, "sms")
    incident = factory.incident(severity="SEV1")
    follower = active_follower(incident, US_MOBILE, "sms")
    handle_inbound_sms(US_MOBILE, "STOP", message_sid="SM" + "1" * 32)
    assert reloaded(page_wide).state == reloaded(follower).state == "unsubscribed"
    handle_inbound_sms(US_MOBILE, "START", message_sid="SM" + "2" * 32)
    assert reloaded(page_wide).state == reloaded(follower).state == "active"


def test_a_number_that_only_follows_can_stop(factory: Factory) -> None:
    incident = factory.incident(severity="SEV1")
    follower = active_follower(incident, US_MOBILE, "sms")
    handle_inbound_sms(US_MOBILE, "STOP", message_sid="SM" + "3" * 32)
    assert reloaded(follower).suppression_reason == "stop"


def test_ended_follows_are_erased_with_the_other_departed_subscribers(
    app: Flask, factory: Factory
) -> None:
    incident = factory.incident("Checkout is down")
    follower = active_follower(incident)
    resolve_incident(incident, "Fixed.", None)
    later = utcnow() + timedelta(days=app.config["POSTMORTEM_FOLLOW_DAYS"] + 1)
    follows.end_finished_follows(later)
    apply_retention(later + timedelta(days=app.config["UNSUBSCRIBED_RETENTION_DAYS"] + 1))
    erased = reloaded(follower)
    assert erased.erased_at is not None and erased.address.startswith("erased:")
    assert erased.suppression_reason == "ended" and erased.incident_id == incident.id
