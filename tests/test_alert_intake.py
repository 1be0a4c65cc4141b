"""Alert intake with the senders' documented payloads: proposals, grouping, resolution.

The payloads are Alertmanager's and Grafana's documentation examples (tests/fixtures/alerts,
sources in each file). A firing alert proposes an incident and publishes nothing.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.alerts import board
from statuspage.core.extensions import db
from statuspage.models import AlertProposal, Component, ReceivedAlert
from tests.alert_support import counts, documented, mapping, post, proposals, resolved, source
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("errors")


def test_alertmanager_doc_payload_proposes_an_incident_and_publishes_nothing(
        client: FlaskClient, factory: Factory) -> None:
    servers = factory.component("Servers")
    am, token = source("alertmanager")
    mapping("job=node", servers, severity="SEV2", status="major_outage")

    answer = post(client, "alertmanager", documented("alertmanager_firing"), token)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    [proposal] = proposals()
    assert body == {"status": "ok", "received": 2, "ignored": 0, "proposal": proposal.public_id}
    assert (proposal.status, proposal.severity, proposal.title) == (
        "open", "SEV2", "Instance example1 down")
    assert (proposal.alert_count, proposal.firing_count) == (2, 2)
    assert proposal.group_key == '{}:{alertname="InstanceDown"}'
    rows = db.session.scalars(select(ReceivedAlert).order_by(ReceivedAlert.fingerprint)).all()
    assert [r.fingerprint for r in rows] == ["09803bbb6e0ba108", "94070ff1482aff31"]
    assert rows[0].annotations["description"] == (
        "example1 of job node has been down for more than 5 minutes.")
    assert rows[0].starts_at is not None and rows[0].starts_at.microsecond == 739266
    assert rows[0].ends_at is None  # Go's zero time: not ended
    assert [(s.component.name, s.status) for s in board.suggestions(proposal)] == [
        ("Servers", "major_outage")]
    db.session.refresh(servers)
    assert servers.status == "operational"  # not automatic: nothing changes on the page
    assert counts()["incidents"] == 0
    assert am.last_received_at is not None


def test_grafana_doc_payload_proposes_an_incident(client: FlaskClient,
                                                  factory: Factory) -> None:
    api = factory.component("API")
    _grafana, token = source("grafana")
    mapping("team=blue", api, severity="SEV3", status="degraded_performance")

    answer = post(client, "grafana", documented("grafana_webhook"), token)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    [proposal] = proposals()
    assert (proposal.title, proposal.severity, proposal.alert_count) == (
        "This alert was triggered for zone us-1", "SEV3", 2)
    prints = set(db.session.scalars(select(ReceivedAlert.fingerprint)))
    assert prints == {"c6eadffa33fcdf37", "bc97ff14869b13e3"}
    notes = board.notes(proposal)
    assert "The system has high memory usage" in notes
    assert "runbook\\_url: https://myrunbook.com/runbook/1234" in notes
    assert "<https://play.grafana.org/alerting/1afz29v7z/edit>" in notes


def test_repeated_notifications_attach_to_the_same_proposal_without_new_rows(
        client: FlaskClient, factory: Factory) -> None:
    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers)
    payload = documented("alertmanager_firing")
    for _ in range(3):  # Alertmanager repeats a firing group every repeat_interval
        assert post(client, "alertmanager", payload, token).status_code == 200

    assert len(proposals()) == 1
    assert counts()["alerts"] == 2
    assert set(db.session.scalars(select(ReceivedAlert.times_received))) == {3}


def test_a_related_alert_from_another_group_joins_by_component(
        client: FlaskClient, factory: Factory) -> None:
    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers)
    mapping("service=ssh", servers, severity="SEV1")
    post(client, "alertmanager", documented("alertmanager_firing"), token)
    other = {"version": "4", "groupKey": '{}:{alertname="SshDown"}', "status": "firing",
             "alerts": [{"status": "firing", "labels": {"alertname": "SshDown",
                                                        "service": "ssh"},
                         "annotations": {"summary": "SSH is down"}}]}

    assert post(client, "alertmanager", other, token).status_code == 200

    [proposal] = proposals()
    assert proposal.alert_count == 3
    assert proposal.severity == "SEV1"  # the worse severity of a related alert raises it


def test_an_unrelated_alert_proposes_another_incident(client: FlaskClient,
                                                      factory: Factory) -> None:
    servers, db_component = factory.component("Servers"), factory.component("Database")
    _am, token = source()
    mapping("job=node", servers)
    mapping("service=postgres", db_component)
    post(client, "alertmanager", documented("alertmanager_firing"), token)
    other = {"version": "4", "groupKey": '{}:{alertname="PostgresDown"}', "status": "firing",
             "alerts": [{"status": "firing",
                         "labels": {"alertname": "PostgresDown", "service": "postgres"}}]}

    post(client, "alertmanager", other, token)

    assert [p.title for p in proposals()] == ["Instance example1 down", "PostgresDown"]


def test_unmapped_alerts_gather_on_one_proposal_per_source(client: FlaskClient) -> None:
    _am, token = source(severity="SEV4")
    for n in range(3):
        alert = {"groupKey": f"group-{n}", "alerts": [
            {"labels": {"alertname": "DiskRunningFull", "dev": f"sda{n}"}}]}
        assert post(client, "alertmanager", alert, token).status_code == 200

    [proposal] = proposals()
    assert (proposal.alert_count, proposal.severity) == (3, "SEV4")
    assert board.suggestions(proposal) == []


def test_resolved_alerts_suggest_resolution_and_a_new_firing_reopens(
        client: FlaskClient, factory: Factory) -> None:
    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers)
    firing = documented("alertmanager_firing")
    post(client, "alertmanager", firing, token)
    partly = resolved(firing)
    partly["alerts"][1]["status"] = "firing"
    post(client, "alertmanager", partly, token)
    [proposal] = proposals()
    assert (proposal.status, proposal.firing_count) == ("open", 1)

    post(client, "alertmanager", resolved(firing), token)
    db.session.refresh(proposal)
    assert (proposal.status, proposal.firing_count, proposal.alert_count) == ("resolved", 0, 2)
    assert proposal in board.dashboard()  # still shown: dismissing it is suggested

    again = documented("alertmanager_firing")
    again["alerts"] = again["alerts"][:1]
    again["alerts"][0]["startsAt"] = "2024-05-01T11:00:00Z"
    post(client, "alertmanager", again, token)
    db.session.refresh(proposal)
    assert (proposal.status, proposal.firing_count) == ("open", 1)
    assert len(proposals()) == 1


def test_a_dismissed_proposal_keeps_its_repeats_but_a_new_firing_proposes_again(
        client: FlaskClient, factory: Factory) -> None:
    from statuspage.alerts.decisions import dismiss

    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers)
    firing = documented("alertmanager_firing")
    post(client, "alertmanager", firing, token)
    [first] = proposals()
    dismiss(first, "Planned reboot", factory.user(role="communicator"))

    post(client, "alertmanager", firing, token)  # the repeat of the same firing
    assert len(proposals()) == 1
    assert db.session.get(AlertProposal, first.id).status == "dismissed"

    post(client, "alertmanager", resolved(firing), token)
    post(client, "alertmanager", firing, token)  # fires again after resolving
    assert [p.status for p in proposals()] == ["dismissed", "open"]


def test_the_generic_format_takes_one_alert_or_a_list(client: FlaskClient,
                                                      factory: Factory) -> None:
    checkout = factory.component("Checkout")
    _generic, token = source("generic")
    mapping("service=checkout", checkout, severity="SEV1")
    one = {"title": "Checkout error rate above 5%", "labels": {"service": "checkout"},
           "annotations": {"runbook": "https://runbooks.example.com/checkout"}}

    first = post(client, "generic", one, token)
    listed = post(client, "generic", {"groupKey": "checkout", "alerts": [
        {"labels": {"service": "checkout", "check": "latency"}, "status": "firing"}]}, token)

    assert (first.status_code, listed.status_code) == (200, 200)
    [proposal] = proposals()
    assert (proposal.title, proposal.severity, proposal.alert_count) == (
        "Checkout error rate above 5%", "SEV1", 2)
    row = db.session.scalar(select(ReceivedAlert).where(
        ReceivedAlert.annotations["summary"].as_string() == "Checkout error rate above 5%"))
    assert row is not None and len(row.fingerprint) == 16  # computed as Prometheus does


@pytest.mark.parametrize(("body", "content_type", "status"), [
    (b"{not json", "application/json", 400),
    (b'{"alerts": "many"}', "application/json", 400),
    (b'{"alerts": [{"labels": {}}]}', "application/json", 400),
    (b'{"alerts": [{"labels": {"a": {"nested": 1}}}]}', "application/json", 400),
    (b'{"alerts": [{"labels": {"a": "b"}, "status": "pending"}]}', "application/json", 400),
    (b'[]', "application/json", 400),
    (b'{"labels": {"a": "b"}}', "text/plain", 415),
])
def test_malformed_bodies_are_refused_and_store_nothing(
        client: FlaskClient, body: bytes, content_type: str, status: int) -> None:
    _generic, token = source("generic")
    before = counts()

    answer = client.post("/hooks/alerts/generic", data=body, content_type=content_type,
                         headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == status
    assert answer.get_json()["message"]
    assert counts() == before


def test_more_alerts_than_one_body_may_carry_are_counted_and_left_out(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from statuspage.alerts import payloads

    monkeypatch.setattr(payloads, "MAX_ALERTS", 5)
    _generic, token = source("generic")
    alerts = [{"labels": {"alertname": "Flood", "n": str(n)}} for n in range(8)]

    answer = post(client, "generic", {"alerts": alerts}, token)

    assert answer.get_json()["received"] == 5 and answer.get_json()["ignored"] == 3
    assert counts()["alerts"] == 5


def test_a_component_deleted_later_drops_out_of_the_suggestions(
        client: FlaskClient, factory: Factory) -> None:
    from statuspage.components.deletion import delete_component

    servers = factory.component("Servers")
    _am, token = source()
    mapping("job=node", servers)
    post(client, "alertmanager", documented("alertmanager_firing"), token)

    delete_component(db.session.get(Component, servers.id), None)

    [proposal] = proposals()
    assert board.suggestions(proposal) == []
    assert counts()["matches"] == 0


def test_hostile_values_in_every_field_never_fail_the_server(client: FlaskClient) -> None:
    """Each documented field, in turn, given each hostile JSON value of the bad-input sweep:
    a 200 or a 400, never a 5xx, and a refusal stores nothing."""
    from tests.bad_input_support import JSON_VALUES

    _generic, token = source("generic")
    base = {"labels": {"alertname": "X"}, "annotations": {"summary": "s"},
            "status": "firing", "startsAt": "2024-05-01T10:00:00Z", "endsAt": None,
            "generatorURL": "https://g.example.com", "fingerprint": "abc", "title": "t"}
    for field in [*base, "groupKey", "alerts"]:
        for value in [*JSON_VALUES, "\u00e9" * 300, {"k": "v" * 5000}]:
            alert = {**base, field: value}
            body: dict[str, object] = {"alerts": [alert]}
            if field == "groupKey":
                body = {"groupKey": value, "alerts": [base]}
            elif field == "alerts":
                body = {"alerts": value}
            before = counts()
            answer = post(client, "generic", body, token)
            assert answer.status_code in (200, 400), (field, value, answer.status_code)
            if answer.status_code == 400:
                assert counts() == before, (field, value)
