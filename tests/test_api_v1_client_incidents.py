"""Every incident-side method of Atlassian's PyPI client (`atlassian-statuspage` 1.0.2) against
a live server: IncidentsApi (all ten), IncidentUpdatesApi, IncidentPostmortemApi (all five)
and TemplatesApi. Each test runs the client's own methods (tests/statuspage_client.py), then
checks what they returned and what the server now holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import lifecycle
from statuspage.models import AuditEntry, Incident, MessageTemplate, utcnow
from statuspage.page.record import get_page
from tests.api_v1_support import new_token
from tests.factories import Factory
from tests.statuspage_client import run_client, serve


@pytest.fixture
def page_id(app: Flask) -> str:
    with app.app_context():
        return get_page().public_id


def test_the_client_creates_reads_lists_changes_and_deletes_incidents(
    app: Flask, factory: Factory, page_id: str
) -> None:
    with app.app_context():
        api_component = factory.component(name="API")
        web = factory.component(name="Website")
        ids = {"api": api_component.public_id, "web": web.public_id}
        token = new_token("write", name="statuspage-client")
    with serve(app) as url:
        result = run_client(url, token, page_id, f"""
            incidents = sp.IncidentsApi(api)
            api_id, web_id = {ids["api"]!r}, {ids["web"]!r}
            now = datetime.datetime.now(datetime.timezone.utc)
            created = incidents.post_pages_page_id_incidents(sp.PostPagesPageIdIncidents(
                incident=sp.PostPagesPageIdIncidentsIncident(
                    name="Elevated API errors", status="investigating", impact_override="major",
                    body="We are looking into it.", component_ids=[api_id, web_id],
                    components={{api_id: "major_outage"}},
                    metadata={{"jira": {{"issue_id": "OPS-1"}}}},
                    deliver_notifications=False)), PAGE)
            window = incidents.post_pages_page_id_incidents(sp.PostPagesPageIdIncidents(
                incident=sp.PostPagesPageIdIncidentsIncident(
                    name="Database upgrade", status="scheduled", body="Planned.",
                    scheduled_for=now + datetime.timedelta(days=1),
                    scheduled_until=now + datetime.timedelta(days=1, hours=2),
                    scheduled_remind_prior=True, scheduled_auto_in_progress=True,
                    scheduled_auto_completed=True, component_ids=[web_id],
                    auto_transition_deliver_notifications_at_start=True,
                    auto_tweet_on_creation=False)), PAGE)
            running = incidents.post_pages_page_id_incidents(sp.PostPagesPageIdIncidents(
                incident=sp.PostPagesPageIdIncidentsIncident(
                    name="Network maintenance", status="scheduled", body="Now.",
                    scheduled_for=now + datetime.timedelta(minutes=1),
                    scheduled_until=now + datetime.timedelta(hours=1))), PAGE)
            incidents.patch_pages_page_id_incidents_incident_id(sp.PatchPagesPageIdIncidents(
                incident=sp.PatchPagesPageIdIncidentsIncident(status="in_progress",
                                                              body="Started.")),
                PAGE, running.id)
            past = incidents.post_pages_page_id_incidents(sp.PostPagesPageIdIncidents(
                incident=sp.PostPagesPageIdIncidentsIncident(
                    name="Last year's outage", backfilled=True,
                    backfill_date=str((now - datetime.timedelta(days=300)).date()),
                    body="Recorded afterwards.")), PAGE)
            patched = incidents.patch_pages_page_id_incidents_incident_id(
                sp.PatchPagesPageIdIncidents(incident=sp.PatchPagesPageIdIncidentsIncident(
                    name="Elevated API error rates", status="identified",
                    body="A bad deploy.", metadata={{"jira": {{"status": "open"}}}},
                    deliver_notifications=False)), PAGE, created.id)
            put = incidents.put_pages_page_id_incidents_incident_id(sp.PutPagesPageIdIncidents(
                incident=sp.PatchPagesPageIdIncidentsIncident(
                    status="resolved", body="Rolled back.", deliver_notifications=False)),
                PAGE, created.id)
            moved = incidents.patch_pages_page_id_incidents_incident_id(
                sp.PatchPagesPageIdIncidents(incident=sp.PatchPagesPageIdIncidentsIncident(
                    scheduled_until=now + datetime.timedelta(days=1, hours=3))),
                PAGE, window.id)
            got = incidents.get_pages_page_id_incidents_incident_id(PAGE, created.id)
            result = {{
                "created": created.to_dict(), "patched": patched.to_dict(),
                "put": put.to_dict(), "got": got.to_dict(), "window": window.to_dict(),
                "moved_until": str(moved.scheduled_until), "past": past.to_dict(),
                "search": [i.name for i in incidents.get_pages_page_id_incidents(
                    PAGE, q="error", limit=10, page=1)],
                "page2": [i.name for i in incidents.get_pages_page_id_incidents(
                    PAGE, limit=2, page=2)],
                "unresolved": [i.name for i in incidents.get_pages_page_id_incidents_unresolved(
                    PAGE, page=1, per_page=10)],
                "upcoming": [i.name for i in incidents.get_pages_page_id_incidents_upcoming(
                    PAGE, page=1, per_page=10)],
                "scheduled": [i.name for i in incidents.get_pages_page_id_incidents_scheduled(
                    PAGE, page=1, per_page=10)],
                "active": [i.name for i in
                           incidents.get_pages_page_id_incidents_active_maintenance(
                               PAGE, page=1, per_page=10)],
                "deleted": incidents.delete_pages_page_id_incidents_incident_id(
                    PAGE, past.id).name,
            }}
            try:
                incidents.get_pages_page_id_incidents_incident_id(PAGE, past.id)
            except sp.rest.ApiException as error:
                result["after_delete"] = error.status
        """)
    created, patched, put, got = (result[k] for k in ("created", "patched", "put", "got"))
    assert (created["impact"], created["status"]) == ("major", "investigating")
    assert created["metadata"] == {"jira": {"issue_id": "OPS-1"}}
    assert {c["name"] for c in created["components"]} == {"API", "Website"}
    assert (patched["name"], patched["status"]) == ("Elevated API error rates", "identified")
    assert patched["metadata"] == {"jira": {"issue_id": "OPS-1", "status": "open"}}
    assert put["status"] == "resolved" and put["resolved_at"] is not None
    assert [u["body"] for u in got["incident_updates"]] == [
        "Rolled back.", "A bad deploy.", "We are looking into it."]
    assert result["window"]["scheduled_remind_prior"] is True
    assert result["window"]["scheduled_auto_in_progress"] is True
    moved_until = datetime.fromisoformat(result["moved_until"])
    assert abs(moved_until - (utcnow() + timedelta(days=1, hours=3))) < timedelta(minutes=5)
    assert result["past"]["status"] == "resolved"
    assert result["search"] == ["Elevated API error rates"]
    assert len(result["page2"]) == 2
    assert result["unresolved"] == []
    assert result["upcoming"] == ["Database upgrade"]
    assert sorted(result["scheduled"]) == ["Database upgrade", "Network maintenance"]
    assert result["active"] == ["Network maintenance"]
    assert result["deleted"] == "Last year's outage" and result["after_delete"] == 404
    with app.app_context():
        names = set(db.session.scalars(select(Incident.name)))
        assert names == {"Elevated API error rates", "Database upgrade", "Network maintenance"}
        actions = set(db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.actor_label == "token:statuspage-client")))
        assert {"incident.open", "incident.edit", "incident.update", "maintenance.schedule",
                "incident.delete"} <= actions


def test_the_client_corrects_an_update(app: Flask, factory: Factory, page_id: str) -> None:
    with app.app_context():
        incident = factory.incident(body="We are investigting.", severity="SEV3")
        update_id = incident.updates[0].public_id
        incident_id = incident.public_id
        token = new_token("write")
    with serve(app) as url:
        result = run_client(url, token, page_id, f"""
            updates = sp.IncidentUpdatesApi(api)
            earlier = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
            patched = updates.patch_pages_page_id_incidents_incident_id_incident_updates_incident_update_id(
                sp.PatchPagesPageIdIncidentsIncidentIdIncidentUpdates(
                    incident_update=sp.PatchPagesPageIdIncidentsIncidentIdIncidentUpdatesIncidentUpdate(
                        body="We are investigating.", display_at=earlier,
                        deliver_notifications=False, wants_twitter_update=False)),
                PAGE, {incident_id!r}, {update_id!r})
            put = updates.put_pages_page_id_incidents_incident_id_incident_updates_incident_update_id(
                sp.PutPagesPageIdIncidentsIncidentIdIncidentUpdates(
                    incident_update=sp.PatchPagesPageIdIncidentsIncidentIdIncidentUpdatesIncidentUpdate(
                        body="We are investigating reports of errors.")),
                PAGE, {incident_id!r}, {update_id!r})
            result = {{"patched": patched.to_dict(), "put": put.to_dict()}}
        """)  # noqa: E501
    assert result["patched"]["body"] == "We are investigating."
    assert result["put"]["body"] == "We are investigating reports of errors."
    with app.app_context():
        update = lifecycle.get_incident(incident_id).updates[0]
        assert update.body == "We are investigating reports of errors."
        assert update.display_at < utcnow() - timedelta(minutes=59)


def test_the_client_writes_publishes_reverts_and_deletes_a_postmortem(
    app: Flask, factory: Factory, page_id: str
) -> None:
    with app.app_context():
        incident = factory.incident(severity="SEV3", status="resolved")
        incident_id = incident.public_id
        token = new_token("write")
    with serve(app) as url:
        result = run_client(url, token, page_id, f"""
            postmortems = sp.IncidentPostmortemApi(api)
            iid = {incident_id!r}
            empty = postmortems.get_pages_page_id_incidents_incident_id_postmortem(PAGE, iid)
            saved = postmortems.put_pages_page_id_incidents_incident_id_postmortem(
                sp.PutPagesPageIdIncidentsIncidentIdPostmortem(
                    postmortem=sp.PutPagesPageIdIncidentsIncidentIdPostmortemPostmortem(
                        body_draft="## What happened\\nA bad deploy.")), PAGE, iid)
            published = postmortems.put_pages_page_id_incidents_incident_id_postmortem_publish(
                sp.PutPagesPageIdIncidentsIncidentIdPostmortemPublish(
                    postmortem=sp.PutPagesPageIdIncidentsIncidentIdPostmortemPublishPostmortem(
                        notify_subscribers=False, notify_twitter=False)), PAGE, iid)
            incident = sp.IncidentsApi(api).get_pages_page_id_incidents_incident_id(PAGE, iid)
            reverted = postmortems.put_pages_page_id_incidents_incident_id_postmortem_revert(
                PAGE, iid)
            postmortems.delete_pages_page_id_incidents_incident_id_postmortem(PAGE, iid)
            after = postmortems.get_pages_page_id_incidents_incident_id_postmortem(PAGE, iid)
            result = {{"empty": empty.to_dict(), "saved": saved.to_dict(),
                       "published": published.to_dict(), "status": incident.status,
                       "reverted": reverted.to_dict(), "after": after.to_dict()}}
        """)
    assert result["empty"]["body_draft"] is None
    assert result["saved"]["body_draft"] == "## What happened\nA bad deploy."
    assert result["saved"]["published_at"] is None
    assert result["published"]["body"] == "## What happened\nA bad deploy."
    assert result["published"]["published_at"] is not None
    assert result["status"] == "postmortem"
    assert result["reverted"]["published_at"] is None and result["reverted"]["body"] is None
    assert result["after"]["body_draft"] is None
    with app.app_context():
        incident = lifecycle.get_incident(incident_id)
        assert (incident.status, incident.postmortem_body) == ("resolved", None)


def test_the_client_lists_and_creates_incident_templates(
    app: Flask, factory: Factory, page_id: str
) -> None:
    with app.app_context():
        get_page()
        token = new_token("write")
    with serve(app) as url:
        result = run_client(url, token, page_id, """
            templates = sp.TemplatesApi(api)
            created = templates.post_pages_page_id_incident_templates(
                sp.PostPagesPageIdIncidentTemplates(
                    template=sp.PostPagesPageIdIncidentTemplatesTemplate(
                        name="Database failover", title="{incident_title}",
                        body="We are failing over the database ({affected_components}).",
                        update_status="identified", should_send_notifications=True,
                        should_tweet=False, component_ids=[])), PAGE)
            listed = templates.get_pages_page_id_incident_templates(PAGE, page=1, per_page=100)
            result = {"created": created.to_dict(),
                      "listed": [(t.name, t.update_status) for t in listed]}
        """)
    assert result["created"]["name"] == "Database failover"
    assert result["created"]["update_status"] == "identified"
    assert ["Database failover", "identified"] in result["listed"]
    with app.app_context():
        template = db.session.scalar(select(MessageTemplate).filter_by(
            name="Database failover"))
        assert template is not None and template.phase == "identified"
