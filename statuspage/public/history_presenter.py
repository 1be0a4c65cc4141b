"""The history (`/history`): months of incidents and maintenances, newest first.

MONTHS_PER_PAGE months a page, each one bounded query (MONTH_LIMIT items, and a count only when
there are more), built from the shared pieces in statuspage.public.presenters; the template
only renders the HistoryPage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from statuspage.core.i18n import format_day
from statuspage.models import utcnow
from statuspage.page import queries
from statuspage.page.record import get_page
from statuspage.public.presenters import IncidentView, SiteView, incident_view, site_view

MONTHS_PER_PAGE = 3
# A cap keeps a burst of incidents from making one page unbounded; beyond it the page names
# how many more there were.
MONTH_LIMIT = 100


@dataclass(frozen=True)
class MonthGroup:
    iso: str
    label: str
    items: list[IncidentView]
    total: int


@dataclass(frozen=True)
class HistoryPage:
    site: SiteView
    months: list[MonthGroup]
    page: int
    newer_page: int | None
    older_page: int | None


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


def _month_start(index: int, zone: ZoneInfo) -> datetime:
    """Local midnight starting month `index` (year * 12 + month - 1) in the page's zone."""
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=zone)
