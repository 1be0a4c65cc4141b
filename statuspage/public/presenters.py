"""View models the public pages share: the site's branding, status icons, an incident.

Templates only render these plain objects, and the public pages issue every query through the
presenters, each bounded by the number of components, open items or days shown, never by the
size of the history. Here are the pieces every page uses (the branding, the icon beside a
status, an incident or maintenance with its public timeline) and the two small pages made of
nothing else: the incident permalink and the status summary the badge and the embeds show.
The front page and the history build on them (front_presenter, history_presenter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from flask_babel import gettext

from statuspage.core.i18n import format_day
from statuspage.incidents.follow_ups import PublicFollowUp, public_follow_ups
from statuspage.messages.templating import status_label
from statuspage.models import Incident, Page
from statuspage.models.status import IMPACT_LABELS
from statuspage.page import queries
from statuspage.page.record import get_page
from statuspage.subscriptions import follows

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


@dataclass(frozen=True)
class SiteView:
    name: str
    logo_url: str | None
    accent_color: str
    time_zone: str


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
    # The permalink's "Get updates on this incident" channels; empty: not offered.
    follow_channels: list[str] = field(default_factory=list)


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


def incident_page(public_id: str) -> tuple[SiteView, IncidentView] | None:
    """The permalink's content, or None for an id that names nothing."""
    incident = queries.incident_with_timeline(public_id)
    if incident is None:
        return None
    page = get_page()
    view = incident_view(incident)
    if follows.followable(incident, page):
        view = replace(view, follow_channels=follows.follow_channels(page))
    return site_view(page), view


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
