"""Component status changes reach webhook subscribers as Statuspage's `component_update`.

Every path that changes a component's status (an incident update, an approved draft,
maintenance automation, the console, the management API) adds a fan-out event in its own
transaction; the worker posts the signed payload to the webhook subscribers who follow the
component. The payloads are checked against a payload captured from Atlassian Statuspage.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.components import editing as component_use_cases
from statuspage.core.extensions import db
from statuspage.incidents import maintenance_automation as automation
from statuspage.incidents.approvals import approve_update
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Component, FanoutEvent
from statuspage.notify.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from statuspage.page.record import get_page
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from tests.api_v1_support import call, new_token
from tests.console.conftest_content import as_role
from tests.delivery_support import (
    add_subscribers,
    deliveries,
    provider_settings,
    queued_tasks,
    run_worker,
)
from tests.factories import Factory
from tests.fakes.providers import FakeWebhookReceiver
from tests.fakes.server import RecordedRequest

CAPTURED = json.loads((Path(__file__).parent / "notify" / "fixtures"
                       / "statuspage_component_update.json").read_text())
SECRET = "whsec-test"  # the secret add_subscribers gives webhook subscribers
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$")


@pytest.fixture(autouse=True)
def _providers(app: Flask, fake_webhook: FakeWebhookReceiver) -> None:
    app.config.update(provider_settings())


def hooks(fake_webhook: FakeWebhookReceiver, count: int = 1, *, start: int = 0,
          components: list[Component] | None = None, path: str = "/hook") -> list[int]:
    """Active webhook subscribers posting to the fake receiver at `path`/<n>."""
    return add_subscribers(count, "webhook", start=start, components=components or [],
                           address=lambda n: fake_webhook.url_for(f"{path}/{n}"))


def component_updates(fake_webhook: FakeWebhookReceiver) -> list[RecordedRequest]:
    return [r for r in fake_webhook.requests if "component_update" in r.json]


def events() -> list[FanoutEvent]:
    db.session.expire_all()
    return list(db.session.execute(
        select(FanoutEvent).where(FanoutEvent.kind == "component_update")
        .order_by(FanoutEvent.id)).scalars())


def shape(value: Any) -> Any:
    """Keys and value types, recursively: what a receiver's parser depends on."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    return type(value).__name__


def test_a_console_change_posts_a_signed_payload_shaped_like_statuspages(
    client: FlaskClient, factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    database = factory.component("Database component")
    hooks(fake_webhook)
    as_role(client, factory, "communicator")

    response = client.post(f"/console/components/{database.public_id}/edit", data={
        "name": "Database component", "status": "under_maintenance", "showcase": "y"})

    assert response.status_code == 302
    [request] = component_updates(fake_webhook)
    payload = request.json
    assert shape(payload) == shape(CAPTURED)
    assert list(payload) == ["meta", "page", "component_update", "component"]
    change = payload["component_update"]
    assert (change["old_status"], change["new_status"]) == ("operational", "under_maintenance")
    assert change["component_id"] == payload["component"]["id"] == database.public_id
    assert re.fullmatch(r"[0-9a-z]{12}", change["id"])
    assert payload["component"]["status"] == "under_maintenance"
    assert payload["component"]["name"] == "Database component"
    assert payload["component"]["page_id"] == payload["page"]["id"] == get_page().public_id
    assert payload["page"]["status_indicator"] == "maintenance"
    for stamp in (change["created_at"], payload["component"]["created_at"],
                  payload["component"]["updated_at"], payload["meta"]["generated_at"]):
        assert TIMESTAMP.match(stamp), stamp
    assert payload["meta"]["unsubscribe"].startswith("https://status.example.com/unsubscribe/")
    # Signed over the raw body, as the receiver checks it.
    assert verify_signature(SECRET, request.headers[TIMESTAMP_HEADER], request.body,
                            request.headers[SIGNATURE_HEADER])
    assert [d.state for d in deliveries()] == ["sent"]


def test_only_webhooks_following_the_component_or_everything_hear_of_it(
    factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    backend = factory.group("Backend")
    api = factory.component("API", group=backend)
    web = factory.component("Web")
    hooks(fake_webhook, path="/all")
    hooks(fake_webhook, start=1, components=[api], path="/api")
    hooks(fake_webhook, start=2, components=[backend], path="/group")
    hooks(fake_webhook, start=3, components=[web], path="/web")
    add_subscribers(2, "email")
    add_subscribers(1, "sms")

    component_use_cases.update_component(api, component_use_cases.ComponentInput(
        name="API", group_id=backend.id, status="partial_outage"), None)

    assert sorted(r.path for r in component_updates(fake_webhook)) == [
        "/all/0", "/api/1", "/group/2"]
    payload = component_updates(fake_webhook)[0].json
    assert payload["component"]["group_id"] == backend.public_id
    assert payload["component"]["name"] == "API"
    # Statuspage sends component changes to webhooks only: no email or SMS delivery.
    assert {d.channel for d in deliveries()} == {"webhook"}


def test_an_incident_update_announces_each_component_whose_status_it_changed(
    factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    api, web = factory.component("API"), factory.component("Web")
    hooks(fake_webhook)
    incident = factory.incident(components={api: "major_outage", web: "operational"})
    assert [(r.json["component"]["name"], r.json["component_update"]["new_status"])
            for r in component_updates(fake_webhook)] == [("API", "major_outage")]

    post_update(incident, UpdateInput(status="resolved", body="Fixed.",
                                      component_statuses={api.id: "operational"}), None)

    changes = [r.json["component_update"] for r in component_updates(fake_webhook)]
    assert [(c["old_status"], c["new_status"]) for c in changes] == [
        ("operational", "major_outage"), ("major_outage", "operational")]
    assert changes[0]["id"] != changes[1]["id"]


def test_an_update_posted_without_notifications_announces_no_component_change(
    factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    api = factory.component("API")
    hooks(fake_webhook)
    factory.incident(components={api: "major_outage"}, deliver_notifications=False)
    assert component_updates(fake_webhook) == []
    assert events() == []


def test_an_approved_draft_announces_its_component_changes_at_approval(
    factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    api = factory.component("API")
    hooks(fake_webhook)
    incident = factory.incident()
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    author, reviewer = factory.user(role="communicator"), factory.user(role="communicator")
    draft = post_update(incident, UpdateInput(status="identified", body="Found it.",
                                              component_statuses={api.id: "partial_outage"}),
                        author)
    assert draft.state == "draft"
    assert component_updates(fake_webhook) == []

    approve_update(draft, reviewer)

    [request] = component_updates(fake_webhook)
    assert request.json["component_update"]["new_status"] == "partial_outage"


def test_maintenance_automation_announces_components_going_under_maintenance(
    factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    api = factory.component("API")
    hooks(fake_webhook)
    work = factory.maintenance(components=[api], auto_start=True, auto_complete=True,
                               auto_transition_components=True)
    assert work.scheduled_for is not None and work.scheduled_until is not None

    automation.start_due(work.scheduled_for)
    automation.complete_due(work.scheduled_until)

    assert [(r.json["component_update"]["old_status"], r.json["component_update"]["new_status"])
            for r in component_updates(fake_webhook)] == [
        ("operational", "under_maintenance"), ("under_maintenance", "operational")]


def test_the_management_api_change_is_announced(
    client: FlaskClient, factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    api = factory.component("API")
    hooks(fake_webhook)
    secret = new_token("write")

    response = call(client, "PATCH", f"components/{api.public_id}", secret,
                    json={"component": {"status": "degraded_performance"}})

    assert response.status_code == 200
    [request] = component_updates(fake_webhook)
    assert request.json["component_update"]["new_status"] == "degraded_performance"
    # A PATCH that leaves the status alone announces nothing.
    call(client, "PATCH", f"components/{api.public_id}", secret,
         json={"component": {"description": "REST"}})
    assert len(component_updates(fake_webhook)) == 1


def test_the_event_commits_with_the_change_and_the_worker_sends_it(
    app: Flask, factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    api = factory.component("API")
    hooks(fake_webhook, 2)
    with queued_tasks():
        component_use_cases.update_component(api, component_use_cases.ComponentInput(
            name="API", status="major_outage"), None)
        # The request is over: the event is committed and queued, nothing was sent.
        [event] = events()
        assert (event.state, event.channels, event.component_ids) == (
            "pending", ["webhook"], [api.id])
        assert event.detail is not None
        assert (event.detail["old_status"], event.detail["new_status"]) == (
            "operational", "major_outage")
        assert fake_webhook.requests == []
        # The component changes again before the worker runs: each payload tells its change.
        component_use_cases.update_component(api, component_use_cases.ComponentInput(
            name="API", status="operational"), None)
        run_worker(app)
    assert [r.json["component_update"]["new_status"]
            for r in component_updates(fake_webhook)] == ["major_outage", "major_outage",
                                                         "operational", "operational"]


def test_a_refused_change_leaves_no_event(
    factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    api = factory.component("API")
    hooks(fake_webhook)
    with pytest.raises(Exception, match="name"):
        component_use_cases.update_component(api, component_use_cases.ComponentInput(
            name="", status="major_outage"), None)
    assert events() == []
    assert db.session.get(Component, api.id).status == "operational"  # type: ignore[union-attr]


def test_no_event_without_a_webhook_listening_or_with_webhooks_closed(
    factory: Factory, fake_webhook: FakeWebhookReceiver,
) -> None:
    api, web = factory.component("API"), factory.component("Web")
    add_subscribers(3, "email")
    hooks(fake_webhook, components=[web])
    component_use_cases.update_component(api, component_use_cases.ComponentInput(
        name="API", status="major_outage"), None)
    assert events() == []

    get_page().allow_webhook_subscribers = False
    db.session.commit()
    component_use_cases.update_component(web, component_use_cases.ComponentInput(
        name="Web", status="major_outage"), None)
    assert events() == []
    assert fake_webhook.requests == []
