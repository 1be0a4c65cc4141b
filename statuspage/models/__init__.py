"""The data model, one module per aggregate; import models from here."""

from statuspage.models.components import Component, ComponentDay
from statuspage.models.incidents import (
    INCIDENT,
    MAINTENANCE,
    ComponentChange,
    Incident,
    IncidentUpdate,
    incident_component,
)
from statuspage.models.page import Page
from statuspage.models.status import (
    ComponentStatus,
    IncidentStatus,
    MaintenanceStatus,
    Severity,
)
from statuspage.models.types import new_public_id, utcnow
from statuspage.models.users import ROLES, AuditEntry, RecoveryCode, User

__all__ = [
    "INCIDENT",
    "MAINTENANCE",
    "ROLES",
    "AuditEntry",
    "Component",
    "ComponentChange",
    "ComponentDay",
    "ComponentStatus",
    "Incident",
    "IncidentStatus",
    "IncidentUpdate",
    "MaintenanceStatus",
    "Page",
    "RecoveryCode",
    "Severity",
    "User",
    "incident_component",
    "new_public_id",
    "utcnow",
]
