"""Follow-up actions read across incidents: the console's list of what is still open, and the
few an incident shows publicly under its published postmortem.

Action items are written on each incident's postmortem page (postmortems.py); after the review
they are easy to forget, so the console lists the open ones together, soonest due first, with
the overdue ones marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select

from statuspage.core.extensions import db
from statuspage.models import ActionItem, Incident, utcnow
from statuspage.page.record import get_page

# A list a person reads; past this many the page says so (done ones pile up over the years).
LIMIT = 500


@dataclass(frozen=True)
class FollowUp:
    """One action item with its incident, as the console list shows it."""

    id: int
    title: str
    owner: str
    due_date: date | None
    done: bool
    overdue: bool
    incident_id: str
    incident_name: str


@dataclass(frozen=True)
class FollowUpList:
    items: list[FollowUp]
    owners: list[str]  # every owner named on the items the list could show, for the filter
    owner: str | None
    include_done: bool
    today: date
    truncated: bool

    @property
    def overdue_count(self) -> int:
        return sum(1 for item in self.items if item.overdue)


@dataclass(frozen=True)
class PublicFollowUp:
    """What the public page says about an action item: never its owner or due date."""

    title: str
    done: bool


def page_today() -> date:
    """Today in the page's time zone: an item due today is not overdue until tomorrow there."""
    return utcnow().astimezone(ZoneInfo(get_page().time_zone)).date()


def follow_up_list(owner: str | None = None, include_done: bool = False,
                   today: date | None = None) -> FollowUpList:
    """Action items across incidents, soonest due first (no due date last), open ones only
    unless `include_done`; `owner` keeps one owner's items."""
    today = today or page_today()
    query = _scope(include_done)
    if owner:
        query = query.where(ActionItem.owner == owner)
    rows = db.session.execute(
        query.add_columns(Incident.public_id, Incident.name)
        .order_by(ActionItem.due_date.is_(None), ActionItem.due_date, ActionItem.id)
        .limit(LIMIT + 1)
    ).all()
    items = [_follow_up(item, public_id, name, today) for item, public_id, name in rows]
    owners = db.session.execute(
        _scope(include_done).with_only_columns(ActionItem.owner).distinct()
        .where(ActionItem.owner != "").order_by(ActionItem.owner)
    ).scalars().all()
    return FollowUpList(items=items[:LIMIT], owners=list(owners), owner=owner or None,
                        include_done=include_done, today=today, truncated=len(items) > LIMIT)


def public_follow_ups(incident: Incident) -> list[PublicFollowUp]:
    """The items shown under a published postmortem: those opted in, none before publishing."""
    if incident.postmortem_published_at is None:
        return []
    items = db.session.execute(
        select(ActionItem).where(ActionItem.incident_id == incident.id,
                                 ActionItem.public.is_(True))
        .order_by(ActionItem.id)
    ).scalars().all()
    return [PublicFollowUp(item.title, item.is_done) for item in items]


def _scope(include_done: bool) -> Select[ActionItem]:
    query = select(ActionItem).join(Incident, Incident.id == ActionItem.incident_id)
    return query if include_done else query.where(ActionItem.done_at.is_(None))


def _follow_up(item: ActionItem, public_id: str, name: str, today: date) -> FollowUp:
    overdue = not item.is_done and item.due_date is not None and item.due_date < today
    return FollowUp(id=item.id, title=item.title, owner=item.owner, due_date=item.due_date,
                    done=item.is_done, overdue=overdue, incident_id=public_id,
                    incident_name=name)
