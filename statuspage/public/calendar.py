"""iCalendar (RFC 5545) for scheduled maintenance: `/maintenance.ics` and one event per window.

Calendar clients match events by UID and keep the one with the highest SEQUENCE, so each
maintenance keeps the UID `maintenance-<public_id>@<host>` for life, its SEQUENCE grows with
every public update, and a window completed before it ever started is sent as CANCELLED
(while its window is still ahead) so subscribed calendars drop it instead of keeping it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event

from statuspage.core.text_rules import xml_safe
from statuspage.messages.context import mail_host, text_of
from statuspage.models import MAINTENANCE, Incident, IncidentUpdate, Page, utcnow
from statuspage.page import queries

PRODID = "-//statuspage//maintenance calendar//EN"
OPEN_STATUSES = ("scheduled", "in_progress", "verifying")
STARTED_STATUSES = frozenset({"in_progress", "verifying"})


@dataclass(frozen=True)
class CalendarSite:
    """What the builder needs to know about the installation."""

    name: str
    base_url: str

    @property
    def host(self) -> str:
        return mail_host(self.base_url)


def site_of(page: Page, base_url: str) -> CalendarSite:
    return CalendarSite(name=page.name, base_url=base_url.rstrip("/"))


def calendar_maintenances(now: datetime | None = None) -> list[Incident]:
    """The maintenances `/maintenance.ics` lists: upcoming and in progress, soonest first.

    Also those completed without ever starting whose window is still ahead (cancelled), so a
    calendar that subscribed earlier learns of the cancellation. Each query is one small
    indexed read (kind, status) serving a response the cache rebuilds only on change.
    """
    now = now or utcnow()
    active = queries.incidents(MAINTENANCE, statuses=OPEN_STATUSES, newest_first=False)
    # A window that never started keeps started_at == scheduled_for: still ahead if >= now.
    completed = queries.incidents(MAINTENANCE, statuses=("completed",), since=now)
    cancelled = [m for m in completed if is_cancelled(m)]
    return sorted(active + cancelled, key=lambda m: (m.scheduled_for, m.id))


def is_cancelled(maintenance: Incident) -> bool:
    """Completed without ever having been in progress: the work did not happen."""
    return maintenance.status == "completed" and not any(
        u.status in STARTED_STATUSES for u in maintenance.public_updates)


def build_calendar(site: CalendarSite, maintenances: list[Incident]) -> bytes:
    """A VCALENDAR with one VEVENT per maintenance."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", xml_safe(f"{site.name} maintenance"))
    for maintenance in maintenances:
        calendar.add_component(maintenance_event(site, maintenance))
    return calendar.to_ical()


def maintenance_event(site: CalendarSite, maintenance: Incident) -> Event:
    """One maintenance window as a VEVENT, every time in UTC."""
    public: list[IncidentUpdate] = maintenance.public_updates
    latest = public[0] if public else None
    event = Event()
    event.add("uid", f"maintenance-{maintenance.public_id}@{site.host}")
    event.add("dtstamp", maintenance.updated_at)
    event.add("dtstart", maintenance.scheduled_for)
    event.add("dtend", maintenance.scheduled_until)
    # RFC 5545 allows no control characters but tab in a value: strip any a stored row has.
    event.add("summary", xml_safe(maintenance.name))
    event.add("description", xml_safe(text_of(latest.body)) if latest else "")
    event.add("url", f"{site.base_url}/incidents/{maintenance.public_id}")
    # Every public update is a revision of the event: the first (scheduled) is sequence 0.
    event.add("sequence", max(len(public) - 1, 0))
    event.add("status", "CANCELLED" if is_cancelled(maintenance) else "CONFIRMED")
    event.add("last-modified", maintenance.updated_at)
    return event
