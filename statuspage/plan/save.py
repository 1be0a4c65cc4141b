"""Saving the communication plan: the default seeded once, a whole document stored at once.

Both replace every stored row in one transaction, so a plan is never half saved; a document is
validated whole first (statuspage.plan.document) and refused changing nothing. The console's
editor, the YAML import (statuspage.plan.yaml_io) and the demo seed all store through here.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from statuspage import audit
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import PlanRule, PlanSetting, StakeholderGroup, User
from statuspage.models.plan import PLAN_SEVERITIES
from statuspage.plan.defaults import DEFAULT_GROUP
from statuspage.plan.document import Plan, SeverityPlan, parse_document
from statuspage.plan.rules import _default_plan, _group_keys, plan_exists


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
            name=DEFAULT_GROUP, description="Hears every SEV1 event by email, SMS and chat."))
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
