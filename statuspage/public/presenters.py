"""View models for the public pages: plain objects built from the shared queries.

Templates only render these; every query the public pages make is issued here, and each one
is bounded by the number of components, open items or the days shown, never by the size of
the history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext

from statuspage.core.i18n import N_, format_day, format_decimal
from statuspage.incidents.follow_ups import PublicFollowUp, public_follow_ups
from statuspage.messages.templating import status_label
from statuspage.models import Component, Incident, Page, utcnow
from statuspage.models.status import (
    ACTIVE_INCIDENT_STATUSES,
    ACTIVE_MAINTENANCE_STATUSES,
)
from statuspage.page import queries
from statuspage.page.record import get_page
from statuspage.page.rollup import PageStatus
from statuspage.page.uptime import DAYS, UptimeBar, uptime_bars

RECENT_DAYS = 7
# Caps keep a burst of incidents from making one page unbounded; beyond them the history
# page names how many more there were.
RECENT_LIMIT = 200
MONTHS_PER_PAGE = 3
MONTH_LIMIT = 100

DEFAULT_ACCENT = "#2563eb"
_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")

# Shapes next to the status text, so status never rests on colour alone ("︎" = text glyph).
STATUS_ICONS = {
    "operational": "✓",
    "under_maintenance": "⚙︎",
    "degraded_performance": "↓",
    "partial_outage": "!",
    "major_outage": "✕",
    "nodata": "·",
}
INDICATOR_ICONS = {"none": "✓", "minor": "!", "major": "!", "critical": "✕",
                   "maintenance": "⚙︎"}
IMPACT_LABELS = {"none": N_("None"), "minor": N_("Minor"), "major": N_("Major"),
                 "critical": N_("Critical"), "maintenance": N_("Maintenance")}


@dataclass(frozen=True)
class SiteView:
    name: str
    logo_url: str | None
    accent_color: str
    time_zone: str


@dataclass(frozen=True)
class DayView:
    iso: str
    label: str
    status: str
    status_label: str
    incidents: list[str]


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
class UpdateView:
    status: str
    label: str
    body: str
    at: datetime


@dataclass(frozen=True)
class IncidentView:
    public_id: str
    name: str
    is_maintenance: bool
    status: str
    status_label: str
    impact: str
    impact_label: str
    severity: str | None
    started_at: datetime
    resolved_at: datetime | None
    scheduled_for: datetime | None
    scheduled_until: datetime | None
    components: list[str]
    updates: list[UpdateView]
    # The published postmortem's markdown (never a draft) and when it was published.
    postmortem: str | None = None
    postmortem_at: datetime | None = None
    # The action items opted in to show under the published postmortem (title and state).
    follow_ups: list[PublicFollowUp] = field(default_factory=list)


@dataclass(frozen=True)
class DayGroup:
    iso: str
    label: str
    items: list[IncidentView]


@dataclass(frozen=True)
class MonthGroup:
    iso: str
    label: str
    items: list[IncidentView]
    total: int


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


@dataclass(frozen=True)
class HistoryPage:
    site: SiteView
    months: list[MonthGroup]
    page: int
    newer_page: int | None
    older_page: int | None


def site_view(page: Page) -> SiteView:
    """Branding as the templates use it; a colour or logo URL that could inject is dropped."""
    accent = page.accent_color if _HEX_COLOUR.match(page.accent_color or "") else DEFAULT_ACCENT
    logo = page.logo_url or None
    if logo and not (logo.startswith(("https://", "http://")) or
                     (logo.startswith("/") and not logo.startswith("//"))):
        logo = None
    return SiteView(name=page.name, logo_url=logo, accent_color=accent,
                    time_zone=page.time_zone)


def day_label(day: date) -> str:
    """`Nov 3, 2026` (`3. nov. 2026`): the date as the page prints it (no leading zero)."""
    return format_day(day)


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


def incident_page(public_id: str) -> tuple[SiteView, IncidentView] | None:
    """The permalink's content, or None for an id that names nothing."""
    incident = queries.incident_with_timeline(public_id)
    if incident is None:
        return None
    return site_view(get_page()), incident_view(incident)


def history_page(number: int) -> HistoryPage | None:
    """Months of history, MONTHS_PER_PAGE per page, newest first; None past the oldest page."""
    page = get_page()
    zone = ZoneInfo(page.time_zone)
    now = utcnow()
    local_now = now.astimezone(zone)
    newest = local_now.year * 12 + local_now.month - 1 - MONTHS_PER_PAGE * (number - 1)
    oldest = newest - MONTHS_PER_PAGE + 1
    if oldest < 1970 * 12:
        return None
    page_start = _month_start(oldest, zone)
    page_end = min(_month_start(newest + 1, zone), now)
    if number > 1 and not queries.any_started_before(page_end):
        return None
    months = []
    for index in range(newest, oldest - 1, -1):
        start, end = _month_start(index, zone), min(_month_start(index + 1, zone), now)
        items = queries.started_between(start, end, MONTH_LIMIT + 1)
        total = (queries.count_started_between(start, end) if len(items) > MONTH_LIMIT
                 else len(items))
        first_day = date(index // 12, index % 12 + 1, 1)
        months.append(MonthGroup(iso=f"{first_day:%Y-%m}", label=format_day(first_day, "month"),
                                 items=[incident_view(i, timeline=False)
                                        for i in items[:MONTH_LIMIT]],
                                 total=total))
    return HistoryPage(
        site=site_view(page),
        months=months,
        page=number,
        newer_page=number - 1 if number > 1 else None,
        older_page=number + 1 if queries.any_started_before(page_start) else None,
    )


def incident_view(incident: Incident, timeline: bool = True) -> IncidentView:
    """An incident or maintenance with its public timeline only (internal updates never)."""
    return IncidentView(
        public_id=incident.public_id,
        name=incident.name,
        is_maintenance=incident.is_maintenance,
        status=incident.status,
        status_label=status_label(incident.status),
        impact=incident.impact,
        impact_label=(gettext(IMPACT_LABELS[incident.impact]) if incident.impact in IMPACT_LABELS
                      else incident.impact.capitalize()),
        severity=incident.severity,
        started_at=incident.started_at,
        resolved_at=incident.resolved_at,
        scheduled_for=incident.scheduled_for,
        scheduled_until=incident.scheduled_until,
        components=[c.display_name for c in incident.components] if timeline else [],
        updates=_timeline(incident) if timeline else [],
        postmortem=incident.postmortem_body if incident.postmortem_published_at else None,
        postmortem_at=incident.postmortem_published_at,
        follow_ups=public_follow_ups(incident) if timeline else [],
    )


def _timeline(incident: Incident) -> list[UpdateView]:
    """Public updates newest first; a repeated status is labelled "Update", as Statuspage does."""
    oldest_first = sorted(incident.public_updates, key=lambda u: (u.display_at, u.id))
    views, previous = [], None
    for update in oldest_first:
        label = gettext("Update") if update.status == previous else status_label(update.status)
        views.append(UpdateView(update.status, label, update.body, update.display_at))
        previous = update.status
    return views[::-1]


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
                            status_label=label, incidents=day.incidents))
    return BarView(days=days, uptime=f"{format_decimal(bar.uptime_percent)}%")


def _recent_days(today: date, zone: ZoneInfo, now: datetime) -> list[DayGroup]:
    """The last RECENT_DAYS local days, newest first, each with what started that day."""
    first = today - timedelta(days=RECENT_DAYS - 1)
    start = datetime.combine(first, time.min, tzinfo=zone)
    by_day: dict[date, list[IncidentView]] = {}
    for incident in queries.started_between(start, now, RECENT_LIMIT):
        day = incident.started_at.astimezone(zone).date()
        by_day.setdefault(day, []).append(incident_view(incident, timeline=False))
    days = [today - timedelta(days=n) for n in range(RECENT_DAYS)]
    return [DayGroup(d.isoformat(), day_label(d), by_day.get(d, [])) for d in days]


def _month_start(index: int, zone: ZoneInfo) -> datetime:
    """Local midnight starting month `index` (year * 12 + month - 1) in the page's zone."""
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=zone)


@dataclass(frozen=True)
class StatusSummary:
    """The page's overall status in a few words: what the badge and the embeds show."""

    site: SiteView
    indicator: str
    description: str
    icon: str


def status_summary() -> StatusSummary:
    """The banner of `/` without the rest of the page (two small queries)."""
    banner = queries.current_status()
    return StatusSummary(site=site_view(get_page()), indicator=banner.indicator,
                         description=gettext(banner.description),
                         icon=INDICATOR_ICONS.get(banner.indicator, "!"))
