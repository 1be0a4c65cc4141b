"""Correcting a posted update: its text and its display time (Statuspage lets you edit both).

An edit changes what the page, the feeds and the APIs show; it sends nothing (subscribers
were told when the update was posted, and are not told of a typo fixed). The rules:
- only a published update is edited here. One waiting for approval is its author's to edit
  in the console (incidents.drafts) or a reviewer's to correct while approving; a rejected
  or withdrawn one is not shown anywhere. Both answer 409;
- where the plan makes public text at the incident's severity wait for a second person's
  approval, a public update is not edited either (409): the edit has no approval step, so
  it would put text past the plan. Internal updates never wait, so they may be edited;
- the text follows the same limits as when posted; the display time may not lie in the
  future (as when posted).
The audit entry keeps the text and time before and after; the uptime roll-ups follow a moved
display time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.incidents.updates import MAX_BODY
from statuspage.models import IncidentUpdate, User, utcnow
from statuspage.models.incidents import DRAFT, PUBLISHED
from statuspage.page import uptime
from statuspage.page.record import touch_page
from statuspage.plan import rules as plan

# Clocks differ a little; add_update allows the same.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class UpdateCorrection:
    """What changes; None leaves it as it is."""

    body: str | None = None
    display_at: datetime | None = None


@use_case
def correct_update(update: IncidentUpdate, data: UpdateCorrection,
                   actor: User | None) -> IncidentUpdate:
    """Change a published update's text or display time, audited; nothing is sent."""
    incident = update.incident
    if update.state == DRAFT:
        raise Conflict("This update waits for approval: its author edits it in the console, "
                       "or a reviewer corrects it while approving.", "update")
    if update.state != PUBLISHED:
        raise Conflict("This update was never published.", "update")
    now = utcnow()
    body = data.body.replace("\r\n", "\n").strip() if data.body is not None else update.body
    display_at = data.display_at or update.display_at
    if len(body) > MAX_BODY:
        raise DomainError(f"The message is longer than {MAX_BODY} characters.", "body")
    if display_at > now + CLOCK_SKEW:
        raise DomainError("An update cannot be dated in the future.", "display_at")
    if body == update.body and display_at == update.display_at:
        return update
    public = update.visibility == "public"
    if public and plan.needs_approval(plan.plan_severity(incident)):
        raise Conflict("Under the communication plan, public text of this incident waits for "
                       "a second person's approval, and an edit has none; post a new update "
                       "instead.", "body" if body != update.body else "display_at")
    audit.record(actor, "incident.update_correct", "incident", incident.public_id,
                 update=update.public_id,
                 before={"body": update.body, "display_at": update.display_at.isoformat()},
                 after={"body": body, "display_at": display_at.isoformat()})
    moved = display_at != update.display_at
    update.body, update.display_at, update.updated_at = body, display_at, now
    incident.updated_at = now
    if public:
        if moved:
            uptime.refresh_incident(incident)
        touch_page()
    db.session.commit()
    return update
