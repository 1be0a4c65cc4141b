"""The communication plan: who hears an event, through which channels, how often, approved or not.

`decide(severity, event_kind)` is the one computation that says which audiences and channels an
event reaches; the composer's preview and the fan-out both call it so they cannot disagree.
Until a plan is saved the default plan applies (read from memory, nothing written); the
console, the demo seed and an import store it.
"""

from __future__ import annotations

from typing import NamedTuple

import yaml
from sqlalchemy import delete, select

from statuspage import audit
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import (
    Incident,
    IncidentUpdate,
    PlanRule,
    PlanSetting,
    StakeholderGroup,
    User,
)
from statuspage.models.plan import EVENT_KINDS, MAINTENANCE_PLAN, PLAN_SEVERITIES, PUBLIC
from statuspage.plan.defaults import DEFAULT_DOCUMENT, DEFAULT_GROUP
from statuspage.plan.document import (
    Plan,
    PlanError,
    SeverityPlan,
    parse_document,
    to_document,
)

# A plan is a few kilobytes; anything much larger is the wrong file.
MAX_YAML_CHARS = 200_000
YAML_HEADER = ("# Communication plan: for each severity, which audiences hear which events "
               "through which channels.\n"
               "# definition: the business impact the severity stands for; first_update_minutes"
               " and cadence_minutes:\n# the response targets (first public update after "
               "declaring, then one every so many minutes).\n")


class Route(NamedTuple):
    """One audience an event reaches: "public" or a stakeholder group's public_id."""

    audience: str
    channels: tuple[str, ...]

    @property
    def is_public(self) -> bool:
        return self.audience == PUBLIC


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


def decide(severity: str, event_kind: str) -> list[Route]:
    """Which audiences hear `event_kind` at `severity` ("SEV1".."SEV4" or "maintenance").

    Public first, then stakeholder groups by name; audiences without a channel are left out.
    """
    _check(severity, event_kind)
    row = load_plan()[severity]
    names = _group_names()
    routes = [Route(audience, events[event_kind]) for audience, events in row.rules.items()
              if events.get(event_kind) and (audience == PUBLIC or audience in names)]
    return sorted(routes, key=lambda r: (not r.is_public, names.get(r.audience, "")))


def plan_severity(incident: Incident) -> str:
    """The row of the plan an incident falls under: its severity, or "maintenance"."""
    return MAINTENANCE_PLAN if incident.is_maintenance else (incident.severity or "SEV4")


# A maintenance update's status says which moment of the window it announces.
_MAINTENANCE_EVENT = {"scheduled": "maintenance_scheduled", "in_progress": "maintenance_started",
                      "verifying": "maintenance_started", "completed": "maintenance_completed"}


def event_kind_for(incident: Incident, update: IncidentUpdate) -> str:
    """The plan's event for a public update: opened, update or resolved (or the maintenance
    moment its status announces). The fan-out and the composer's preview both use this."""
    if incident.is_maintenance:
        return _MAINTENANCE_EVENT.get(update.status, "maintenance_scheduled")
    if update.status == "postmortem":
        return "postmortem_published"
    if update.status == "resolved":
        return "incident_resolved"
    earlier = [u for u in incident.public_updates if u is not update]
    return "incident_update" if earlier else "incident_opened"


def cadence_minutes(severity: str) -> int | None:
    """Minutes between public updates the plan asks for at `severity`; None: no cadence."""
    _check(severity)
    return load_plan()[severity].cadence_minutes


def needs_approval(severity: str) -> bool:
    """Whether a public update at `severity` waits for a second person's approval."""
    _check(severity)
    return load_plan()[severity].approval


def _write(plan: Plan) -> None:
    """Replace the stored plan with `plan` in the current transaction."""
    db.session.execute(delete(PlanRule))
    db.session.execute(delete(PlanSetting))
    groups = {key: id_ for key, id_ in db.session.execute(
        select(StakeholderGroup.public_id, StakeholderGroup.id))}
    for severity in PLAN_SEVERITIES:
        row = plan.get(severity, SeverityPlan())
        db.session.add(PlanSetting(severity=severity, cadence_minutes=row.cadence_minutes,
                                   public_updates_need_approval=row.approval,
                                   definition=row.definition,
                                   first_update_minutes=row.first_update_minutes))
        for audience, events in row.rules.items():
            for event, channels in events.items():
                if channels:
                    db.session.add(PlanRule(severity=severity, audience=audience,
                                            group_id=groups.get(audience), event=event,
                                            channels=list(channels)))


@use_case
def seed_default_plan(actor: User | None = None) -> bool:
    """Store the default plan (creating the Executives group) unless a plan exists.

    Returns whether it seeded. Safe to call on every start.
    """
    if plan_exists():
        return False
    if db.session.scalar(select(StakeholderGroup).filter_by(name=DEFAULT_GROUP)) is None:
        db.session.add(StakeholderGroup(
            name=DEFAULT_GROUP, description="Hears every SEV1 event by email and SMS."))
        db.session.flush()
    _write(_default_plan())
    audit.record(actor, "plan.seed", "plan")
    db.session.commit()
    return True


@use_case
def save_document(document: object, actor: User | None, action: str = "plan.update") -> Plan:
    """Validate a whole plan document and store it, or refuse it changing nothing."""
    plan = parse_document(document, _group_keys())
    _write(plan)
    audit.record(actor, action, "plan")
    db.session.commit()
    return plan


def export_document() -> dict[str, object]:
    """The plan in force as a document (group names, fixed order)."""
    names = _group_names()
    return to_document(load_plan(), names)


def export_yaml() -> str:
    """The plan in force as YAML; exporting, importing and exporting again gives the same text."""
    return YAML_HEADER + yaml.safe_dump(export_document(), sort_keys=False,
                                        default_flow_style=None, allow_unicode=True)


def import_yaml(text: str, actor: User | None) -> Plan:
    """Replace the plan with the one in `text`, or raise DomainError naming each problem."""
    if len(text) > MAX_YAML_CHARS:
        raise PlanError([f"(document): larger than {MAX_YAML_CHARS} characters"])
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or "unreadable"
        raise PlanError([f"(document): not valid YAML{where}: {problem}"]) from None
    return save_document(document, actor, "plan.import")
