"""Automatic component status (opt-in per component): set by a firing alert, recorded as the
source's doing, and reverted when the alerts resolve unless someone changed it meanwhile."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.components.editing import ComponentInput, update_component
from statuspage.core.extensions import db
from statuspage.models import AuditEntry, AutomaticStatus, Component
from tests.alert_support import counts, documented, mapping, post, resolved, source
from tests.delivery_support import add_subscribers, provider_settings
from tests.factories import Factory
from tests.fakes.providers import FakeWebhookReceiver

pytestmark = pytest.mark.usefixtures("errors")


def _status(component: Component) -> str:
    db.session.expire_all()
    found = db.session.get(Component, component.id)
    assert found is not None
    return found.status


def _entries(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def test_firing_sets_the_status_and_resolution_reverts_it(client: FlaskClient,
                                                          factory: Factory) -> None:
    group = factory.group("Infrastructure")
    servers = factory.component("Servers", group=group, status="degraded_performance")
    _am, token = source(name="Prometheus")
    mapping("job=node", servers, status="major_outage", automatic=True)
    firing = documented("alertmanager_firing")

    post(client, "alertmanager", firing, token)

    assert _status(servers) == "major_outage"
    assert _status(group) == "major_outage"  # the group shows its worst component
    [entry] = _entries("component.automatic_status")
    assert entry.actor_label == "alert:Prometheus" and entry.actor_id is None
    assert entry.details["old_status"] == "degraded_performance"
    assert entry.details["new_status"] == "major_outage"
    assert counts()["incidents"] == 0  # a status, never an incident

    partly = resolved(firing)
    partly["alerts"][1]["status"] = "firing"
    post(client, "alertmanager", partly, token)
    assert _status(servers) == "major_outage"  # the other instance still holds it

    post(client, "alertmanager", resolved(firing), token)
    assert _status(servers) == "degraded_performance"
    assert _status(group) == "degraded_performance"
    [revert] = _entries("component.automatic_revert")
    assert revert.actor_label == "alert:Prometheus"
    assert db.session.scalars(select(AutomaticStatus)).all() == []


def test_a_status_changed_by_hand_meanwhile_is_left_alone(client: FlaskClient,
                                                          factory: Factory) -> None:
    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers, status="partial_outage", automatic=True)
    firing = documented("alertmanager_firing")
    post(client, "alertmanager", firing, token)
    assert _status(servers) == "partial_outage"
    admin = factory.user()
    update_component(db.session.get(Component, servers.id),
                     ComponentInput(name="Servers", status="major_outage"), admin)

    post(client, "alertmanager", resolved(firing), token)

    assert _status(servers) == "major_outage"
    [release] = _entries("component.automatic_release")
    assert release.details["status"] == "major_outage"
    assert db.session.scalars(select(AutomaticStatus)).all() == []


def test_a_worse_status_already_shown_is_not_lowered(client: FlaskClient,
                                                     factory: Factory) -> None:
    servers = factory.component("Servers", status="major_outage")
    _am, token = source()
    mapping("job=node", servers, status="degraded_performance", automatic=True)
    firing = documented("alertmanager_firing")

    post(client, "alertmanager", firing, token)
    post(client, "alertmanager", resolved(firing), token)

    assert _status(servers) == "major_outage"
    assert _entries("component.automatic_status") == []
    assert _entries("component.automatic_revert") == []


def test_a_worse_alert_escalates_and_the_revert_goes_to_the_status_before_both(
        client: FlaskClient, factory: Factory) -> None:
    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers, status="degraded_performance", automatic=True)
    mapping("service=ssh", servers, status="major_outage", automatic=True)
    firing = documented("alertmanager_firing")
    ssh = {"groupKey": "ssh", "alerts": [{"labels": {"alertname": "SshDown",
                                                     "service": "ssh"}}]}
    post(client, "alertmanager", firing, token)
    post(client, "alertmanager", ssh, token)
    assert _status(servers) == "major_outage"

    post(client, "alertmanager", resolved(ssh), token)
    assert _status(servers) == "major_outage"  # still held by the node alerts
    post(client, "alertmanager", resolved(firing), token)
    assert _status(servers) == "operational"


def test_without_the_opt_in_the_page_never_changes(client: FlaskClient,
                                                   factory: Factory) -> None:
    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers, status="major_outage", automatic=False)

    post(client, "alertmanager", documented("alertmanager_firing"), token)

    assert _status(servers) == "operational"
    assert counts()["holds"] == 0


def test_webhook_subscribers_hear_of_the_automatic_change(
        app: Flask, client: FlaskClient, factory: Factory,
        fake_webhook: FakeWebhookReceiver) -> None:
    app.config.update(provider_settings())
    servers = factory.component("Servers")
    add_subscribers(1, "webhook", components=[servers],
                    address=lambda n: fake_webhook.url_for(f"/hook/{n}"))
    _am, token = source()
    mapping("job=node", servers, status="major_outage", automatic=True)

    post(client, "alertmanager", documented("alertmanager_firing"), token)

    [request] = [r for r in fake_webhook.requests if "component_update" in r.json]
    change = request.json["component_update"]
    assert (change["old_status"], change["new_status"]) == ("operational", "major_outage")
