"""The front page (`/`): the banner, the components with their uptime bars, and what is on.

What is open now, the upcoming maintenance and the last RECENT_DAYS days, from a fixed number
of bounded queries (the components, the open items, what started in the days shown) and the
shared pieces in statuspage.public.presenters; the template only renders the FrontPage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext

from statuspage.core.i18n import format_decimal
from statuspage.messages.templating import status_label
from statuspage.models import Component, utcnow
from statuspage.models.status import (
    ACTIVE_INCIDENT_STATUSES,
    ACTIVE_MAINTENANCE_STATUSES,
)
from statuspage.page import queries
from statuspage.page.record import get_page
from statuspage.page.rollup import PageStatus
from statuspage.page.uptime import DAYS, UptimeBar, uptime_bars
from statuspage.public.presenters import (
    INDICATOR_ICONS,
    STATUS_ICONS,
    IncidentView,
    SiteView,
    day_label,
    incident_view,
    site_view,
)

RECENT_DAYS = 7
# A cap keeps a burst of incidents from making the page unbounded (the page everyone loads
# during an outage stays small): past it, the days it cut into point to the history page,
# which lists every incident of a month.
RECENT_LIMIT = 50
# Incident names in one day's tooltip of an uptime bar; the rest are counted ("and 4 more"):
# a busy page's 90 days x components of full lists made most of its front page's bytes.
TIP_INCIDENTS = 3


@dataclass(frozen=True)
class DayView:
    iso: str
    label: str
    status: str
    status_label: str
    incidents: list[str]  # the first TIP_INCIDENTS names of the day's incidents
    more_incidents: int = 0  # how many more the day had


@dataclass(frozen=True)
class BarView:
    days: list[DayView]
    uptime: str
    span: int = DAYS


@dataclass
class ComponentView:
    name: str
    description: str | None
    status: str
    status_label: str
    icon: str
    is_group: bool = False
    bar: BarView | None = None
    children: list[ComponentView] = field(default_factory=list)


@dataclass(frozen=True)
class ComponentBlock:
    """A group with its children, or a run of ungrouped components (group None)."""

    group: ComponentView | None
    items: list[ComponentView]


@dataclass(frozen=True)
class DayGroup:
    iso: str
    label: str
    items: list[IncidentView]
    # The cap (RECENT_LIMIT) cut this day's list: it may have more than `items`.
    cut: bool = False


@dataclass(frozen=True)
class FrontPage:
    site: SiteView
    banner: PageStatus
    banner_icon: str
    components: list[ComponentBlock]
    active_incidents: list[IncidentView]
    active_maintenance: list[IncidentView]
    upcoming_maintenance: list[IncidentView]
    recent_days: list[DayGroup]


def front_page() -> FrontPage:
    """Everything `/` shows, from a fixed number of bounded queries."""
    page = get_page()
    zone = ZoneInfo(page.time_zone)
    now = utcnow()
    today = now.astimezone(zone).date()
    components = queries.ordered_components()
    banner = queries.current_status(components)
    open_items = queries.open_items()
    return FrontPage(
        site=site_view(page),
        # The roll-up's description stays English in the API; the page says it in the
        # reader's language.
        banner=PageStatus(banner.indicator, gettext(banner.description)),
        banner_icon=INDICATOR_ICONS.get(banner.indicator, "!"),
        components=_blocks(_component_tree(components, today, zone)),
        active_incidents=[incident_view(i) for i in open_items
                          if not i.is_maintenance and i.status in ACTIVE_INCIDENT_STATUSES],
        active_maintenance=[incident_view(i) for i in open_items
                            if i.is_maintenance and i.status in ACTIVE_MAINTENANCE_STATUSES],
        upcoming_maintenance=sorted(
            (incident_view(i) for i in open_items
             if i.is_maintenance and i.status == "scheduled"),
            key=lambda m: m.scheduled_for or m.started_at,
        ),
        recent_days=_recent_days(today, zone, now),
    )


def _visible(component: Component) -> bool:
    return not (component.only_show_if_degraded and component.status == "operational")


def _component_tree(components: list[Component], today: date,
                    zone: ZoneInfo) -> list[ComponentView]:
    """Root components and groups in order, each group holding its visible children."""
    by_id = {c.id: c for c in components}
    shown = [c for c in components if _visible(c)
             and (c.group_id is None or _visible(by_id[c.group_id]))]
    showcased = [c for c in shown if c.showcase and not c.is_group]
    bars = uptime_bars(showcased, today, zone=zone) if showcased else {}
    views: dict[int, ComponentView] = {}
    roots: list[ComponentView] = []
    for c in shown:
        view = _component_view(c, bars.get(c.id) if c.showcase else None)
        views[c.id] = view
        if c.group_id is None:
            roots.append(view)
        elif c.group_id in views:
            views[c.group_id].children.append(view)
    # A group with nothing visible inside is an empty heading; leave it out.
    return [v for v in roots if not v.is_group or v.children]


def _blocks(roots: list[ComponentView]) -> list[ComponentBlock]:
    """Groups as their own blocks; consecutive ungrouped components share one list."""
    blocks: list[ComponentBlock] = []
    for view in roots:
        if view.is_group:
            blocks.append(ComponentBlock(view, view.children))
        elif blocks and blocks[-1].group is None:
            blocks[-1].items.append(view)
        else:
            blocks.append(ComponentBlock(None, [view]))
    return blocks


def _component_view(component: Component, bar: UptimeBar | None) -> ComponentView:
    status = component.status
    return ComponentView(
        name=component.name,
        description=component.description,
        status=status,
        status_label=status_label(status),
        icon=STATUS_ICONS.get(status, "!"),
        is_group=component.is_group,
        bar=_bar_view(bar) if bar is not None else None,
    )


def _bar_view(bar: UptimeBar) -> BarView:
    days = []
    for day in bar.days:
        if day.before_start and not day.incidents:
            status, label = "nodata", gettext("No data")
        else:
            status, label = day.status.value, status_label(day.status.value)
        days.append(DayView(iso=day.day.isoformat(), label=day_label(day.day), status=status,
                            status_label=label, incidents=day.incidents[:TIP_INCIDENTS],
                            more_incidents=max(0, len(day.incidents) - TIP_INCIDENTS)))
    return BarView(days=days, uptime=f"{format_decimal(bar.uptime_percent)}%")


def _recent_days(today: date, zone: ZoneInfo, now: datetime) -> list[DayGroup]:
    """The last RECENT_DAYS local days, newest first, each with what started that day."""
    first = today - timedelta(days=RECENT_DAYS - 1)
    start = datetime.combine(first, time.min, tzinfo=zone)
    by_day: dict[date, list[IncidentView]] = {}
    shown = queries.started_between(start, now, RECENT_LIMIT)
    for incident in shown:
        day = incident.started_at.astimezone(zone).date()
        by_day.setdefault(day, []).append(incident_view(incident, timeline=False))
    # Newest first: at the cap, the oldest day shown and every day before it may be cut.
    cut_from = (shown[-1].started_at.astimezone(zone).date()
                if len(shown) == RECENT_LIMIT else None)
    days = [today - timedelta(days=n) for n in range(RECENT_DAYS)]
    return [DayGroup(d.isoformat(), day_label(d), by_day.get(d, []),
                     cut=cut_from is not None and d <= cut_from) for d in days]
