"""The data model, one module per aggregate; import models from here."""

from statuspage.models.alerts import (
    AlertMapping,
    AlertMatch,
    AlertProposal,
    AlertSource,
    AutomaticStatus,
    ReceivedAlert,
)
from statuspage.models.api_tokens import SCOPES, ApiToken
from statuspage.models.chat_threads import ChatThread
from statuspage.models.components import Component, ComponentDay
from statuspage.models.deliveries import (
    DELIVERY_STATES,
    Delivery,
    FanoutEvent,
    OutboxMessage,
    ProviderReceipt,
)
from statuspage.models.imports import SubscriberImport
from statuspage.models.incidents import (
    INCIDENT,
    MAINTENANCE,
    ComponentChange,
    Incident,
    IncidentUpdate,
    incident_component,
)
from statuspage.models.logos import PageLogo
from statuspage.models.migration import StatuspageLink
from statuspage.models.page import Page
from statuspage.models.plan import PlanRule, PlanSetting
from statuspage.models.postmortems import ActionItem, PostmortemReview
from statuspage.models.processes import ProcessBeat
from statuspage.models.stakeholders import StakeholderGroup, StakeholderMember
from statuspage.models.status import (
    ComponentStatus,
    IncidentStatus,
    MaintenanceStatus,
    Severity,
)
from statuspage.models.subscribers import (
    CHANNELS,
    Subscriber,
    subscriber_component,
)
from statuspage.models.templates import TEMPLATE_PHASES, MessageTemplate
from statuspage.models.types import new_public_id, utcnow
from statuspage.models.users import ROLES, AuditEntry, RecoveryCode, User

__all__ = [
    "CHANNELS",
    "DELIVERY_STATES",
    "INCIDENT",
    "MAINTENANCE",
    "ROLES",
    "SCOPES",
    "TEMPLATE_PHASES",
    "ActionItem",
    "AlertMapping",
    "AlertMatch",
    "AlertProposal",
    "AlertSource",
    "ApiToken",
    "AuditEntry",
    "AutomaticStatus",
    "ChatThread",
    "Component",
    "ComponentChange",
    "ComponentDay",
    "ComponentStatus",
    "Delivery",
    "FanoutEvent",
    "Incident",
    "IncidentStatus",
    "IncidentUpdate",
    "MaintenanceStatus",
    "MessageTemplate",
    "OutboxMessage",
    "Page",
    "PageLogo",
    "PlanRule",
    "PlanSetting",
    "PostmortemReview",
    "ProcessBeat",
    "ProviderReceipt",
    "ReceivedAlert",
    "RecoveryCode",
    "Severity",
    "StakeholderGroup",
    "StakeholderMember",
    "StatuspageLink",
    "Subscriber",
    "SubscriberImport",
    "User",
    "incident_component",
    "new_public_id",
    "subscriber_component",
    "utcnow",
]
