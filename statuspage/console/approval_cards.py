"""The pending approvals read model: one card per draft (update or postmortem), saying exactly
what approving it will do.

A card names the severity, the status before and after, each component's status now and
after, who hears it (the plan's routing and the recipient counts, asked of statuspage.plan.reach
exactly as the fan-out asks on approval) and the rendered text; and what the viewing user may
do with it. Built here so the templates only print.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from markupsafe import Markup

from statuspage.core.rendering import markdown_html
from statuspage.incidents import approvals, postmortem_reviews
from statuspage.incidents.postmortems import POSTMORTEM_PUBLISHED
from statuspage.messages.approval_labels import (
    postmortem_what,
    severity_of,
    user_label,
    what_waits,
)
from statuspage.models import Incident, IncidentUpdate, PostmortemReview, User
from statuspage.outbox.drafts import left_to_tell
from statuspage.plan import routes as plan_routes
from statuspage.plan import rules as plan
from statuspage.plan.reach import ReachLine, Routing, count_routing, routing

UPDATE, POSTMORTEM = "update", "postmortem"


@dataclass(frozen=True)
class ChangeLine:
    """A component the draft names: its status now and after approval."""

    name: str
    old_status: str
    new_status: str
    # A maintenance announcement only names its components; they change when it starts.
    named_only: bool = False


@dataclass(frozen=True)
class ApprovalCard:
    kind: str
    public_id: str
    what: str
    incident: Incident
    incident_url: str
    severity: str
    # None: the incident (or maintenance) is not public yet; this draft would open it.
    old_status: str | None
    new_status: str
    changes: list[ChangeLine]
    reach: list[ReachLine]
    reach_note: str
    # Stakeholder groups already told of the draft while it waits (not told again).
    told: list[ReachLine]
    body: str
    body_html: Markup
    # The SMS text the author chose (sent instead of one made from the body); None: none.
    sms_body: str | None
    author: str
    submitted_at: datetime
    is_author: bool
    can_review: bool
    can_break_glass: bool
    actions: dict[str, str]

    @property
    def anchor(self) -> str:
        return f"draft-{self.public_id}"

    @property
    def reach_total(self) -> int:
        return sum(line.recipients for line in self.reach)


@dataclass
class ApprovalList:
    """The cards a page shows; `scope` is the incident's public id on its own page."""

    cards: list[ApprovalCard] = field(default_factory=list)
    scope: str | None = None

    def __len__(self) -> int:
        return len(self.cards)

    def __iter__(self) -> Iterator[ApprovalCard]:
        return iter(self.cards)

    @property
    def refresh_url(self) -> str:
        if self.scope:
            return url_for("console.approvals_summary", incident=self.scope)
        return url_for("console.approvals_summary")

    @property
    def version(self) -> str:
        """Changes whenever a card appears, goes or is edited: the page swaps only then."""
        parts = "|".join(f"{c.kind}:{c.public_id}:{c.body}:{c.new_status}:{c.changes}"
                         for c in self.cards)
        return hashlib.sha256(parts.encode()).hexdigest()[:16]


def pending_cards(user: User | None, incident: Incident | None = None) -> ApprovalList:
    """Everything waiting for approval (or one incident's), oldest first, for `user`."""
    cards = [update_card(u, user) for u in approvals.drafts(incident)]
    if incident is None or not incident.is_maintenance:
        cards.extend(postmortem_card(r, user) for r in postmortem_reviews.pending(incident))
    cards.sort(key=lambda card: card.submitted_at)
    return ApprovalList(cards, incident.public_id if incident is not None else None)


def _reach(where: Routing, component_ids: list[int], note: str,
           incident: Incident) -> tuple[list[ReachLine], str]:
    lines = count_routing(where, component_ids, incident.id)
    return lines, "" if lines else note


def _incident_url(incident: Incident) -> str:
    endpoint = ("console.maintenance_detail" if incident.is_maintenance
                else "console.incident_detail")
    return url_for(endpoint, public_id=incident.public_id)


def update_card(update: IncidentUpdate, user: User | None) -> ApprovalCard:
    incident = update.incident
    announcement = incident.is_maintenance and update.status == "scheduled"
    changes = [ChangeLine(c.component.display_name, c.component.status,
                          c.component.status if announcement else c.new_status, announcement)
               for c in update.changes]
    # The event and routing create_fanout will use on approval, and its component ids.
    planned = routing(plan.plan_severity(incident), plan_routes.event_kind_for(incident, update),
                      update.visibility, update.deliver_notifications)
    # Stakeholder groups were told of the draft when it was saved: approval leaves them out
    # (outbox.drafts.left_to_tell, which create_fanout asks too).
    where = left_to_tell(update, planned)
    note = ("Posted without notifications: nobody is told." if not update.deliver_notifications
            else "The stakeholder groups the plan names already heard of it while it waits; "
                 "the plan routes it to no open public channel."
            if planned.routes and not where.routes
            else "The plan routes this to no open public channel and no stakeholder group.")
    told = count_routing(Routing([], {
        group: [c for c in channels if c not in where.routes.get(group, [])]
        for group, channels in planned.routes.items()}), [])
    reach, reach_note = _reach(where, sorted({c.component_id for c in update.changes}), note,
                               incident)
    is_author = user is not None and update.author_id == user.id
    return ApprovalCard(
        kind=UPDATE, public_id=update.public_id, what=what_waits(update), incident=incident,
        incident_url=_incident_url(incident), severity=severity_of(incident),
        old_status=None if incident.awaiting_approval else incident.status,
        new_status=update.status, changes=changes, reach=reach, reach_note=reach_note,
        told=told if update.deliver_notifications else [], body=update.body,
        sms_body=update.sms_body,
        body_html=markdown_html(update.body),
        author=user_label(update.author), submitted_at=update.created_at,
        is_author=is_author, can_review=approvals.can_review(update, user),
        can_break_glass=approvals.can_break_glass(user),
        actions=_actions("console.update_", update.public_id))


def postmortem_card(review: PostmortemReview, user: User | None) -> ApprovalCard:
    incident = review.incident
    announce = review.notify and not incident.postmortem_notified
    where = (routing(plan.plan_severity(incident), POSTMORTEM_PUBLISHED) if announce
             else Routing([], {}))
    note = ("A change to the published postmortem: subscribers are not told again."
            if incident.postmortem_published_at is not None
            else "Subscribers were already told about this postmortem." if review.notify
            else "Published without notifying subscribers.")
    reach, reach_note = _reach(
        where, sorted(c.id for c in incident.components if not c.is_group), note, incident)
    return ApprovalCard(
        kind=POSTMORTEM, public_id=review.public_id, what=postmortem_what(review),
        incident=incident, incident_url=url_for("console.postmortem",
                                                public_id=incident.public_id),
        severity=severity_of(incident), old_status=incident.status, new_status="postmortem",
        changes=[], reach=reach, reach_note=reach_note, told=[], body=review.body,
        sms_body=None,
        body_html=markdown_html(review.body), author=user_label(review.author),
        submitted_at=review.created_at,
        is_author=user is not None and review.author_id == user.id,
        can_review=postmortem_reviews.can_review(review, user),
        can_break_glass=approvals.can_break_glass(user),
        actions=_actions("console.postmortem_review_", review.public_id))


def _actions(prefix: str, public_id: str) -> dict[str, str]:
    names = ("approve", "reject", "withdraw", "break_glass")
    actions = {name: url_for(prefix + name, public_id=public_id) for name in names}
    if prefix == "console.update_":
        actions["edit"] = url_for("console.update_edit", public_id=public_id)
    return actions

