"""Mappings from alert labels to components: `service=api` means the API component, at SEV2,
probably a partial outage.

A mapping names one label and its exact value, one component, the severity proposed and the
component status suggested; it applies to one source's alerts or to every source's. With
`automatic` (the component's opt-in, Statuspage's "component automation") a firing alert sets
that status on the page by itself (statuspage.alerts.automation); otherwise nothing is public
until a person declares an incident.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import (
    AlertMapping,
    AlertSource,
    Component,
    ComponentStatus,
    Severity,
    User,
    utcnow,
)

MAX_LABEL_NAME = 100
MAX_LABEL_VALUE = 255
# Suggesting "operational" for a firing alert would say nothing.
SUGGESTED_STATUSES = tuple(s.value for s in ComponentStatus
                           if s is not ComponentStatus.OPERATIONAL)


@dataclass(frozen=True)
class MappingInput:
    """What the console's mapping form sends; `label` is `name=value`."""

    label: str
    component_id: int | None
    severity: str
    component_status: str
    automatic: bool = False
    source_id: int | None = None


def split_label(text: str) -> tuple[str, str]:
    """`service=api` -> ("service", "api"); DomainError naming the field otherwise."""
    name, equals, value = (text or "").partition("=")
    name, value = name.strip(), value.strip().strip('"')
    if not equals or not name or not value:
        raise DomainError("Write the label as name=value, e.g. service=api.", "label")
    if len(name) > MAX_LABEL_NAME or len(value) > MAX_LABEL_VALUE:
        raise DomainError(f"Label names have at most {MAX_LABEL_NAME} characters and values "
                          f"at most {MAX_LABEL_VALUE}.", "label")
    return name, value


@use_case
def create_mapping(data: MappingInput, actor: User | None) -> AlertMapping:
    """Add a mapping; the same label, source and component cannot be mapped twice."""
    name, value = split_label(data.label)
    component = db.session.get(Component, data.component_id) if data.component_id else None
    if component is None or component.is_group:
        raise DomainError("Choose a component (not a group).", "component_id")
    if data.severity not in {s.value for s in Severity}:
        raise DomainError("Choose a severity from SEV1 to SEV4.", "severity")
    if data.component_status not in SUGGESTED_STATUSES:
        raise DomainError("Choose the status a firing alert suggests.", "component_status")
    source = db.session.get(AlertSource, data.source_id) if data.source_id else None
    if data.source_id and source is None:
        raise DomainError("Choose an alert source, or any source.", "source_id")
    clash = db.session.scalar(select(AlertMapping.id).where(
        AlertMapping.label_name == name, AlertMapping.label_value == value,
        AlertMapping.component_id == component.id,
        AlertMapping.source_id.is_(None) if source is None
        else AlertMapping.source_id == source.id))
    if clash is not None:
        raise DomainError("This label already maps to this component.", "label")
    mapping = AlertMapping(label_name=name, label_value=value, component=component,
                           severity=data.severity, component_status=data.component_status,
                           automatic=data.automatic, source=source, created_at=utcnow())
    db.session.add(mapping)
    db.session.flush()
    audit.record(actor, "alert_mapping.create", "alert_mapping", mapping.public_id,
                 label=f"{name}={value}", component=component.public_id,
                 severity=data.severity, status=data.component_status,
                 automatic=data.automatic, source=source.public_id if source else None)
    db.session.commit()
    return mapping


@use_case
def delete_mapping(mapping: AlertMapping, actor: User | None) -> None:
    """Remove a mapping; alerts already matched keep what they matched until they resolve."""
    audit.record(actor, "alert_mapping.delete", "alert_mapping", mapping.public_id,
                 label=f"{mapping.label_name}={mapping.label_value}",
                 component=mapping.component.public_id)
    db.session.delete(mapping)
    db.session.commit()


def list_mappings() -> list[AlertMapping]:
    """Every mapping by label, then component (the console's table)."""
    return list(db.session.scalars(
        select(AlertMapping)
        .options(selectinload(AlertMapping.component), selectinload(AlertMapping.source))
        .order_by(AlertMapping.label_name, AlertMapping.label_value, AlertMapping.id)))


def get_mapping(public_id: str) -> AlertMapping:
    mapping = db.session.scalar(select(AlertMapping).where(AlertMapping.public_id == public_id))
    if mapping is None:
        raise NotFound("No such mapping.")
    return mapping


class Matcher:
    """The mappings that apply to one source's alerts, read once per notification."""

    def __init__(self, source: AlertSource) -> None:
        self._by_label: dict[tuple[str, str], list[AlertMapping]] = defaultdict(list)
        for mapping in db.session.scalars(select(AlertMapping).where(or_(
                AlertMapping.source_id.is_(None), AlertMapping.source_id == source.id))):
            self._by_label[(mapping.label_name, mapping.label_value)].append(mapping)

    def matches(self, labels: dict[str, str]) -> list[AlertMapping]:
        """The mappings whose label the alert carries with exactly that value."""
        found: list[AlertMapping] = []
        for item in labels.items():
            found.extend(self._by_label.get(item, ()))
        return found
