"""Atlassian's Manage API client (`atlassian-statuspage`) runs every method it offers for
components, component groups, subscribers, incident subscribers and the page profile against
a live server (tests/statuspage_client.py), and the server then holds what each call asked.

Left out, as this product has no audience-specific pages: ComponentsApi's four
`page_access_users` / `page_access_groups` methods.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, Component, OutboxMessage, Page, Subscriber
from statuspage.page.record import get_page
from statuspage.subscriptions import leaving
from tests.api_v1_support import new_token
from tests.factories import Factory
from tests.statuspage_client import run_client, serve
from tests.subscription_support import US_MOBILE

TOKEN = "ops-bot"


@pytest.fixture
def token(app: Flask) -> str:
    return new_token("write", name=TOKEN)


def _run(app: Flask, token: str, script: str) -> Any:
    page_id = get_page().public_id
    with serve(app) as url:
        result = run_client(url, token, page_id, script)
    db.session.expire_all()
    return result


def _actions() -> list[str]:
    """What the token did, as the audit log names it."""
    return list(db.session.execute(
        select(AuditEntry.action).where(AuditEntry.actor_label == f"token:{TOKEN}")
        .order_by(AuditEntry.id)).scalars())


def test_components_api_runs_every_method(app: Flask, factory: Factory, token: str) -> None:
    group = factory.group("Backend")
    factory.component("Website")
    result = _run(app, token, f"""
        c = sp.ComponentsApi(api)
        created = c.post_pages_page_id_components(sp.PostPagesPageIdComponents(
            component=sp.PostPagesPageIdComponentsComponent(
                name="API", status="degraded_performance", group_id="{group.public_id}",
                description="Public API", showcase=True)), PAGE)
        patched = c.patch_pages_page_id_components_component_id(
            sp.PatchPagesPageIdComponents(component=sp.PostPagesPageIdComponentsComponent(
                status="partial_outage")), PAGE, created.id)
        put = c.put_pages_page_id_components_component_id(
            sp.PutPagesPageIdComponents(component=sp.PostPagesPageIdComponentsComponent(
                name="Public API", start_date=datetime.date(2024, 1, 2))), PAGE, created.id)
        one = c.get_pages_page_id_components_component_id(PAGE, created.id)
        first = c.get_pages_page_id_components(PAGE, page=1, per_page=2)
        second = c.get_pages_page_id_components(PAGE, page=2, per_page=2)
        uptime = c.get_pages_page_id_components_component_id_uptime(
            PAGE, created.id, start=datetime.date.today().strftime("%Y-%m"),
            end=str(datetime.date.today()))
        doomed = c.post_pages_page_id_components(sp.PostPagesPageIdComponents(
            component=sp.PostPagesPageIdComponentsComponent(name="Legacy")), PAGE)
        c.delete_pages_page_id_components_component_id(PAGE, doomed.id)
        result = {{"created": created.to_dict(), "patched": patched.status,
                   "put": [put.name, put.status, str(put.start_date)], "one": one.group_id,
                   "first": [x.name for x in first], "second": [x.name for x in second],
                   "uptime": uptime.to_dict(), "doomed": doomed.id}}
    """)
    api = db.session.execute(select(Component).where(Component.name == "Public API")
                             ).scalar_one()
    assert result["created"]["group_id"] == group.public_id == result["one"]
    assert result["patched"] == "partial_outage"
    assert result["put"] == ["Public API", "partial_outage", "2024-01-02"]
    assert (api.status, api.description, str(api.start_date)) == (
        "partial_outage", "Public API", "2024-01-02")
    # Display order, two per page: the group, its component, then the root component.
    assert (result["first"], result["second"]) == (["Backend", "Public API"], ["Website"])
    assert result["uptime"]["id"] == api.public_id
    assert result["uptime"]["uptime_percentage"] == 100.0
    month = datetime.now(UTC).date().replace(day=1)
    assert str(result["uptime"]["range_start"]).startswith(month.isoformat())
    assert db.session.execute(select(Component).where(
        Component.public_id == result["doomed"])).scalar_one_or_none() is None
    assert _actions() == ["component.create", "component.update", "component.update",
                          "component.create", "component.delete"]


def test_component_groups_api_runs_every_method(app: Flask, factory: Factory,
                                                token: str) -> None:
    api, queue, web = (factory.component(n) for n in ("API", "Queue", "Website"))
    result = _run(app, token, f"""
        g = sp.ComponentGroupsApi(api)
        body = sp.PostPagesPageIdComponentGroupsComponentGroup
        created = g.post_pages_page_id_component_groups(sp.PostPagesPageIdComponentGroups(
            description="Everything behind the API",
            component_group=body(name="Backend", components=["{api.public_id}",
                                                             "{queue.public_id}"])), PAGE)
        patched = g.patch_pages_page_id_component_groups_id(
            sp.PatchPagesPageIdComponentGroups(component_group=body(
                name="Back end", components=["{queue.public_id}", "{web.public_id}"])),
            PAGE, created.id)
        put = g.put_pages_page_id_component_groups_id(sp.PutPagesPageIdComponentGroups(
            description="Renamed", component_group=body(
                name="Services", components=["{queue.public_id}", "{web.public_id}"])),
            PAGE, created.id)
        listed = g.get_pages_page_id_component_groups(PAGE, page=1, per_page=10)
        one = g.get_pages_page_id_component_groups_id(PAGE, created.id)
        uptime = g.get_pages_page_id_component_groups_id_uptime(PAGE, created.id)
        deleted = g.delete_pages_page_id_component_groups_id(PAGE, created.id)
        result = {{"created": created.to_dict(), "patched": patched.to_dict(),
                   "put": put.to_dict(), "listed": [x.id for x in listed],
                   "one": one.name, "uptime": uptime.to_dict(), "deleted": deleted.id}}
    """)
    assert result["created"]["description"] == "Everything behind the API"
    assert result["created"]["components"] == str([api.public_id, queue.public_id])
    assert result["patched"]["components"] == str([queue.public_id, web.public_id])
    assert (result["put"]["name"], result["put"]["description"]) == ("Services", "Renamed")
    assert result["listed"] == [result["created"]["id"]] and result["one"] == "Services"
    assert result["uptime"]["uptime_percentage"] == 100.0
    assert result["deleted"] == result["created"]["id"]
    # The deleted group's components stay, at the page root; API left the group on PATCH.
    components = db.session.execute(select(Component)).scalars().all()
    assert {c.name: c.group_id for c in components} == {"API": None, "Queue": None,
                                                         "Website": None}
    assert _actions() == ["group.create", "group.update", "group.update",
                                          "component.delete"]


def test_subscribers_api_runs_every_method(app: Flask, factory: Factory, token: str) -> None:
    app.config["WEBHOOK_ALLOW_LOOPBACK"] = True
    api = factory.component("API")
    bounced = Subscriber(channel="email", address="bounced@example.com",
                         confirmed_at=get_page().updated_at)
    db.session.add(bounced)
    db.session.commit()
    leaving.suppress(bounced, "bounce")
    result = _run(app, token, f"""
        s = sp.SubscribersApi(api)
        new = sp.PostPagesPageIdSubscribersSubscriber
        ada = s.post_pages_page_id_subscribers(sp.PostPagesPageIdSubscribers(
            subscriber=new(email="Ada@Example.com", skip_confirmation_notification=True,
                           component_ids=["{api.public_id}"])), PAGE)
        bob = s.post_pages_page_id_subscribers(sp.PostPagesPageIdSubscribers(
            subscriber=new(email="bob@example.com")), PAGE)
        sms = s.post_pages_page_id_subscribers(sp.PostPagesPageIdSubscribers(
            subscriber=new(phone_number="4155552671", phone_country="US",
                           skip_confirmation_notification=True)), PAGE)
        hook = s.post_pages_page_id_subscribers(sp.PostPagesPageIdSubscribers(
            subscriber=new(endpoint="http://127.0.0.1:9/hook",
                           skip_confirmation_notification=True)), PAGE)
        active = s.get_pages_page_id_subscribers(PAGE, type="email", state="active", q="ada",
                                                 limit=10, page=0, sort_field="created_at",
                                                 sort_direction="desc")
        every = s.get_pages_page_id_subscribers(PAGE, state="all", sort_field="primary")
        one = s.get_pages_page_id_subscribers_subscriber_id(PAGE, sms.id)
        patched = s.patch_pages_page_id_subscribers_subscriber_id(
            sp.PatchPagesPageIdSubscribers(component_ids=[]), PAGE, ada.id)
        count = s.get_pages_page_id_subscribers_count(PAGE, type="email", state="all")
        histogram = s.get_pages_page_id_subscribers_histogram_by_state(PAGE)
        s.post_pages_page_id_subscribers_subscriber_id_resend_confirmation(PAGE, bob.id)
        s.post_pages_page_id_subscribers_resend_confirmation(
            sp.PostPagesPageIdSubscribersResendConfirmation(subscribers="all"), PAGE)
        s.post_pages_page_id_subscribers_reactivate(
            sp.PostPagesPageIdSubscribersReactivate(subscribers="all", type="email"), PAGE)
        gone = s.delete_pages_page_id_subscribers_subscriber_id(
            PAGE, hook.id, skip_unsubscription_notification=True)
        s.post_pages_page_id_subscribers_unsubscribe(sp.PostPagesPageIdSubscribersUnsubscribe(
            subscribers=[sms.id], skip_unsubscription_notification=False), PAGE)
        left = s.get_pages_page_id_subscribers_unsubscribed(PAGE, page=1, per_page=10)
        result = {{"ada": ada.to_dict(), "bob": bob.to_dict(), "sms": one.to_dict(),
                   "active": [x.email for x in active],
                   "every": sorted(x.mode for x in every), "patched": patched.components,
                   "count": count.to_dict(), "histogram": histogram.to_dict(),
                   "gone": gone.to_dict(), "left": sorted(x.id for x in left),
                   "ids": [sms.id, hook.id]}}
    """)
    assert result["ada"]["email"] == "ada@example.com" and result["ada"]["mode"] == "email"
    assert result["ada"]["components"] == str([api.public_id])
    assert result["active"] == ["ada@example.com"]
    assert result["every"] == ["email", "email", "email", "sms", "webhook"]
    assert result["sms"]["phone_country"] == "US" and result["sms"]["phone_number"] == "4155552671"
    assert result["patched"] == "[]"
    assert result["count"]["email"] == 3
    assert result["histogram"]["email"] == {"active": 1, "unconfirmed": 1, "quarantined": 1,
                                            "total": 3}
    assert result["histogram"]["sms"]["active"] == 1
    assert result["gone"]["endpoint"] == "http://127.0.0.1:9/hook"
    assert result["left"] == sorted(result["ids"])
    rows = {s.address: s for s in db.session.execute(select(Subscriber)).scalars()}
    ada = rows["ada@example.com"]
    assert (ada.state, ada.consent_source, ada.consent_note, ada.components) == (
        "active", "api", f"added via API by token {TOKEN}", [])
    assert rows["bob@example.com"].state == "unconfirmed"
    assert rows[US_MOBILE].state == "unsubscribed"
    assert rows["bounced@example.com"].state == "active"  # reactivated: it had bounced
    confirmations = db.session.execute(select(OutboxMessage).where(
        OutboxMessage.to == "bob@example.com")).scalars().all()
    assert len(confirmations) == 3  # on creation, then resent one by one and in bulk
    assert db.session.execute(select(OutboxMessage).where(
        OutboxMessage.to == "ada@example.com")).first() is None
    actions = _actions()
    assert actions.count("subscriber.add") == 4
    assert {"subscriber.components", "subscriber.resend_confirmation",
            "subscriber.reactivate", "subscriber.unsubscribe"} <= set(actions)


def test_incident_subscribers_api_runs_every_method(app: Flask, factory: Factory,
                                                    token: str) -> None:
    incident = factory.incident("Checkout errors")
    result = _run(app, token, f"""
        f = sp.IncidentSubscribersApi(api)
        new = sp.PostPagesPageIdIncidentsIncidentIdSubscribersSubscriber
        body = sp.PostPagesPageIdIncidentsIncidentIdSubscribers
        ada = f.post_pages_page_id_incidents_incident_id_subscribers(
            body(subscriber=new(email="ada@example.com", skip_confirmation_notification=True)),
            PAGE, "{incident.public_id}")
        bob = f.post_pages_page_id_incidents_incident_id_subscribers(
            body(subscriber=new(phone_number="4155552671", phone_country="US")),
            PAGE, "{incident.public_id}")
        listed = f.get_pages_page_id_incidents_incident_id_subscribers(
            PAGE, "{incident.public_id}", page=1, per_page=10)
        one = f.get_pages_page_id_incidents_incident_id_subscribers_subscriber_id(
            PAGE, "{incident.public_id}", bob.id)
        f.post_pages_page_id_incidents_incident_id_subscribers_subscriber_id_resend_confirmation(
            PAGE, "{incident.public_id}", bob.id)
        gone = f.delete_pages_page_id_incidents_incident_id_subscribers_subscriber_id(
            PAGE, "{incident.public_id}", ada.id)
        result = {{"listed": sorted(x.id for x in listed), "one": one.to_dict(),
                   "gone": gone.id, "ids": sorted([ada.id, bob.id])}}
    """)
    assert result["listed"] == result["ids"]
    assert result["one"]["phone_country"] == "US"
    follows = {s.public_id: s for s in db.session.execute(select(Subscriber)).scalars()}
    assert {s.incident_id for s in follows.values()} == {incident.id}
    assert follows[result["gone"]].state == "unsubscribed"
    remaining = next(s for k, s in follows.items() if k != result["gone"])
    assert (remaining.channel, remaining.state) == ("sms", "unconfirmed")
    texts = db.session.execute(select(OutboxMessage).where(
        OutboxMessage.to == US_MOBILE)).scalars().all()
    assert len(texts) == 2  # the code on creation, and again when resent
    assert _actions() == ["subscriber.follow", "subscriber.follow",
                          "subscriber.resend_confirmation", "subscriber.unsubscribe"]


def test_pages_api_runs_every_method(app: Flask, token: str) -> None:
    result = _run(app, token, """
        p = sp.PagesApi(api)
        pages = p.get_pages()
        one = p.get_pages_page_id(PAGE)
        patched = p.patch_pages_page_id(sp.PatchPages(page=sp.PatchPagesPage(
            name="Acme status", time_zone="Europe/Oslo", allow_sms_subscribers=False,
            notifications_email_footer="Acme Inc., Oslo")), PAGE)
        put = p.put_pages_page_id(sp.PutPages(page=sp.PatchPagesPage(
            url="https://status.acme.example", allow_incident_subscribers=False)), PAGE)
        result = {"pages": [x.id for x in pages], "one": one.to_dict(),
                  "patched": patched.to_dict(), "put": put.to_dict()}
    """)
    page = db.session.execute(select(Page)).scalar_one()
    assert result["pages"] == [page.public_id] == [result["one"]["id"]]
    assert result["patched"]["name"] == "Acme status"
    assert result["patched"]["time_zone"] == "Europe/Oslo"
    assert result["put"]["url"] == "https://status.acme.example"
    assert (page.name, page.time_zone, page.url, page.email_footer) == (
        "Acme status", "Europe/Oslo", "https://status.acme.example", "Acme Inc., Oslo")
    assert (page.allow_sms_subscribers, page.allow_incident_subscribers) == (False, False)
    assert _actions() == ["page.settings", "page.settings"]
