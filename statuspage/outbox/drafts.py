"""Internal first: stakeholder groups hear of a public update while it waits for approval.

The public approval holds back the public's messages only; the plan decides who hears. A
public update saved as a draft gets a groups-only fan-out event at once (no public channel),
marked in its `detail` as a notice of an update awaiting approval, with a digest of the text
the groups were told. When the update is published later (approved, or by break glass), its
fan-out leaves out each group and channel already told this very text; when the approver
edited it (review_action "edited") or the text changed since, the groups get the published
version too. The public always gets exactly one message: at publication.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.messages.stakeholder import AWAITING_APPROVAL, is_draft_notice
from statuspage.models import FanoutEvent, IncidentUpdate
from statuspage.plan.reach import Routing

EDITED = "edited"  # IncidentUpdate.review_action of an update edited and approved


def text_digest(update: IncidentUpdate) -> str:
    """Which text the groups were told: the body and the SMS wording."""
    text = f"{update.body}\0{update.sms_body or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def notice_detail(update: IncidentUpdate) -> dict[str, object]:
    """FanoutEvent.detail of a draft's notice to the groups."""
    return {AWAITING_APPROVAL: True, "text": text_digest(update)}


def groups_only(where: Routing) -> Routing:
    """The stakeholder routes of `where`, without its public channels."""
    return Routing([], {group: channels for group, channels in where.routes.items() if channels})


def left_to_tell(update: IncidentUpdate, where: Routing) -> Routing:
    """`where` without the group channels already told this update's text as a draft."""
    if not where.routes or update.id is None:
        return where
    notices = [event for event in db.session.execute(
        select(FanoutEvent).where(FanoutEvent.update_id == update.id)).scalars()
        if is_draft_notice(event)]
    if not notices or update.review_action == EDITED:
        return where
    digest = text_digest(update)
    told: dict[str, set[str]] = {}
    for event in notices:
        if (event.detail or {}).get("text") == digest:
            for group, channels in (event.routes or {}).items():
                told.setdefault(group, set()).update(channels)
    routes = {group: [c for c in channels if c not in told.get(group, set())]
              for group, channels in where.routes.items()}
    return Routing(where.channels, {group: c for group, c in routes.items() if c})
