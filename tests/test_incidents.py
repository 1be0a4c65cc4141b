from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import (
    IncidentInput,
    open_incident,
    post_update,
    resolve_incident,
)
from statuspage.incidents.maintenance import start_maintenance
from statuspage.incidents.updates import MAX_BODY, UpdateInput
from statuspage.models import AuditEntry, Incident, utcnow
from tests.factories import Factory


def test_a_refused_incident_leaves_nothing_behind(factory: Factory) -> None:
    api = factory.component("API")
    with pytest.raises(DomainError) as refused:
        open_incident(IncidentInput(
            name="Outage", severity="SEV1",
            update=UpdateInput(status="investigating", body="x" * (MAX_BODY + 1),
                               component_statuses={api.id: "major_outage"}),
        ), None)
    assert refused.value.field == "body"
    db.session.commit()
    assert db.session.execute(select(func.count(Incident.id))).scalar() == 0
    assert db.session.get(type(api), api.id).status == "operational"


def test_update_timestamps_follow_the_status(factory: Factory) -> None:
    incident = factory.incident()
    post_update(incident, UpdateInput(status="monitoring", body="Watching."), None)
    first_monitoring = incident.monitoring_at
    post_update(incident, UpdateInput(status="monitoring", body="Still watching."), None)
    assert incident.monitoring_at == first_monitoring
    resolve_incident(incident, "Done.", None)
    assert incident.resolved_at is not None and incident.is_closed
    with pytest.raises(DomainError, match="over"):
        post_update(incident, UpdateInput(status="investigating", body="Again?"), None)
    actions = db.session.execute(select(AuditEntry.action)).scalars().all()
    assert actions.count("incident.update") == 3 and "incident.open" in actions


def test_back_dated_incident_keeps_its_start_and_refuses_the_future(factory: Factory) -> None:
    start = utcnow() - timedelta(hours=6)
    incident = factory.incident(started_at=start)
    assert incident.started_at == start
    assert incident.updates[0].display_at == start
    with pytest.raises(DomainError, match="future"):
        factory.incident(started_at=utcnow() + timedelta(hours=1))


def test_maintenance_start_puts_components_under_maintenance(factory: Factory) -> None:
    db_component = factory.component("Database")
    maintenance = factory.maintenance(components=[db_component])
    assert maintenance.status == "scheduled" and db_component.status == "operational"
    start_maintenance(maintenance, "Starting.", None)
    assert maintenance.status == "in_progress"
    assert db_component.status == "under_maintenance"
    resolve_incident(maintenance, "Done.", None)
    assert maintenance.status == "completed" and db_component.status == "operational"


def test_group_status_is_the_worst_of_its_components(factory: Factory) -> None:
    group = factory.group("Platform")
    api = factory.component("API", group=group)
    factory.component("Web", group=group)
    factory.incident(components={api: "partial_outage"})
    assert group.status == "partial_outage"
