"""Timestamps as the Statuspage API and the page show them: in the page's time zone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def api_timestamp(value: datetime | None, zone: ZoneInfo) -> str | None:
    """ISO 8601 with milliseconds in the page's zone: `...T15:50:05.892Z` or `...-08:00`."""
    if value is None:
        return None
    local = value.astimezone(zone)
    text = local.isoformat(timespec="milliseconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def api_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def local(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone)


def zone_abbreviation(value: datetime, zone: ZoneInfo) -> str:
    """`UTC`, `CET`, `PST`... as Statuspage prints after times (falls back to the offset)."""
    name = value.astimezone(zone).tzname() or "UTC"
    return name


# The dates the service accepts from a form or the API: far enough inside datetime's own
# limits (years 1-9999) that a time-zone offset or a reminder's arithmetic cannot overflow.
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


def year_in_range(value: date | datetime) -> bool:
    """Whether `value` lies in the years the service accepts (EARLIEST_YEAR-LATEST_YEAR)."""
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def out_of_range_message() -> str:
    return f"Enter a date between the years {EARLIEST_YEAR} and {LATEST_YEAR}."
