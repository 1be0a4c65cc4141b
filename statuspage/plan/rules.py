"""The communication plan in force: the saved one or the default, and what it asks per severity.

`load_plan` reads the plan the rest of the code works from: the saved rows, or, until a plan is
saved, the default plan (read from memory, nothing written; the console, the demo seed and an
import store it, see statuspage.plan.save). `plan_severity` names the row an incident falls
under; `cadence_minutes` and `needs_approval` read the row's response settings. Whom an event
reaches is statuspage.plan.routes; the YAML form, statuspage.plan.yaml_io.
"""

from __future__ import annotations

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import Incident, PlanRule, PlanSetting, StakeholderGroup
from statuspage.models.plan import EVENT_KINDS, MAINTENANCE_PLAN, PLAN_SEVERITIES
from statuspage.plan.defaults import DEFAULT_DOCUMENT
from statuspage.plan.document import Plan, SeverityPlan, parse_document


def plan_exists() -> bool:
    """Whether a plan has been saved (otherwise the default plan applies)."""
    return db.session.scalar(select(PlanSetting.id).limit(1)) is not None


def _group_keys() -> dict[str, str]:
    """Stakeholder group name -> public_id."""
    return {name: key for key, name in _group_names().items()}


def _group_names() -> dict[str, str]:
    """Stakeholder group public_id -> name."""
    rows = db.session.execute(select(StakeholderGroup.public_id, StakeholderGroup.name))
    return {key: name for key, name in rows}


def _default_plan() -> Plan:
    # Groups the default names but which were deleted simply drop out.
    return parse_document(DEFAULT_DOCUMENT, _group_keys(), skip_unknown_groups=True)


def load_plan() -> Plan:
    """The plan in force: the saved one, or the default."""
    if not plan_exists():
        return _default_plan()
    plan: Plan = {severity: SeverityPlan() for severity in PLAN_SEVERITIES}
    for setting in db.session.scalars(select(PlanSetting)):
        if setting.severity in plan:
            plan[setting.severity].cadence_minutes = setting.cadence_minutes
            plan[setting.severity].approval = setting.public_updates_need_approval
            plan[setting.severity].definition = setting.definition
            plan[setting.severity].first_update_minutes = setting.first_update_minutes
    for rule in db.session.scalars(select(PlanRule)):
        if rule.severity in plan and rule.channels:
            plan[rule.severity].rules.setdefault(rule.audience, {})[rule.event] = tuple(
                rule.channels)
    return plan


def _check(severity: str, event_kind: str | None = None) -> None:
    if severity not in PLAN_SEVERITIES:
        raise ValueError(f"unknown plan severity {severity!r}")
    if event_kind is not None and event_kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {event_kind!r}")


def plan_severity(incident: Incident) -> str:
    """The row of the plan an incident falls under: its severity, or "maintenance"."""
    return MAINTENANCE_PLAN if incident.is_maintenance else (incident.severity or "SEV4")


def cadence_minutes(severity: str) -> int | None:
    """Minutes between public updates the plan asks for at `severity`; None: no cadence."""
    _check(severity)
    return load_plan()[severity].cadence_minutes


def needs_approval(severity: str) -> bool:
    """Whether a public update at `severity` waits for a second person's approval."""
    _check(severity)
    return load_plan()[severity].approval
