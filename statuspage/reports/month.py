"""A report's month: a calendar month in the page's time zone.

The zone is the one the uptime roll-ups (`ComponentDay`) are kept in, so a month's days are
the roll-ups' days. `Month.bounds` gives its start and end instants in UTC for the queries
(incidents belong to the month they started in); `current_month` is the latest month a report
can show.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from statuspage.core.errors import DomainError
from statuspage.models import utcnow
from statuspage.page.record import get_page


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-11` -> Month(2026, 11); anything else is refused."""
        try:
            year_text, month_text = text.split("-")
            year, month = int(year_text), int(month_text)
        except ValueError:
            raise DomainError("Give the month as YYYY-MM.", "month") from None
        if not (1 <= month <= 12 and 1970 <= year <= 9999):
            raise DomainError("Give the month as YYYY-MM.", "month")
        return cls(year, month)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return date(self.year, self.month, 1).strftime("%B %Y")

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, monthrange(self.year, self.month)[1])

    def previous(self) -> Month:
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    def next(self) -> Month:
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    def bounds(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The month's start and end instants in UTC (end exclusive)."""
        start = datetime.combine(self.first_day, time.min, tzinfo=zone).astimezone(UTC)
        end = datetime.combine(self.next().first_day, time.min, tzinfo=zone).astimezone(UTC)
        return start, end


def current_month(now: datetime | None = None) -> Month:
    """The month it is now in the page's time zone: the latest a report can show."""
    today = (now or utcnow()).astimezone(ZoneInfo(get_page().time_zone)).date()
    return Month(today.year, today.month)
