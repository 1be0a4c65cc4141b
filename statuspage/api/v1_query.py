"""Query parameters of the Manage API's list and figure endpoints, each checked exactly as the
OpenAPI document states it (statuspage/api/v1_openapi_resources.py): a value given but not of
the stated form is a 422 naming the parameter, never a guess and never a server error.

Paging follows Statuspage per endpoint: `page` (from 1) with `per_page` (1-100, default 100)
for components, groups, unsubscribed and incident subscribers; `page` (from 0) with `limit`
for the subscriber list, whose first page Statuspage numbers 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from flask import request

from statuspage.api.v1_body import MAX_LIMIT, MAX_PAGE, MAX_QUERY
from statuspage.api.v1_body import text as checked_text
from statuspage.core.errors import DomainError

_WHOLE_NUMBER = re.compile(r"[0-9]{1,7}")
# Statuspage's uptime range takes a year, a month or a day ("2024", "2024-05", "2024-05-01").
PARTIAL_DATE = r"^(19[7-9][0-9]|2[0-9]{3})(-(0[1-9]|1[0-2]))?$"
_PARTIAL_DATE = re.compile(PARTIAL_DATE)
# How Python's and Atlassian's clients spell a boolean in a query string.
FLAGS = {"true": True, "True": True, "false": False, "False": False}


def number(name: str, default: int, lowest: int, highest: int) -> int:
    """A whole number in [lowest, highest], ASCII digits only (default when absent)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if _WHOLE_NUMBER.fullmatch(raw) is None or not lowest <= int(raw) <= highest:
        raise DomainError(f"{name} must be a whole number from {lowest} to {highest}.", name)
    return int(raw)


def per_page() -> tuple[int, int]:
    """(limit, offset) from `page` (1-based) and `per_page` (1-100, default 100)."""
    size = number("per_page", MAX_LIMIT, 1, MAX_LIMIT)
    return size, (number("page", 1, 1, MAX_PAGE) - 1) * size


def one_of(name: str, values: Sequence[str], default: str = "") -> str:
    """One of `values` (default when absent)."""
    raw = request.args.get(name)
    if raw is None:
        return default
    if raw not in values:
        raise DomainError(f"{name} must be one of {', '.join(values)}.", name)
    return raw


def flag(name: str) -> bool | None:
    """true/false (also True/False, as Python clients send them); None when absent."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw not in FLAGS:
        raise DomainError(f"{name} must be true or false.", name)
    return FLAGS[raw]


def search(name: str = "q") -> str:
    """Free text, at most MAX_QUERY characters, no control characters."""
    value = checked_text({name: request.args.get(name, "")}, name) or ""
    if len(value) > MAX_QUERY:
        raise DomainError(f"{name} must be at most {MAX_QUERY} characters.", name)
    return value


def partial_date(name: str, end: bool) -> date | None:
    """A day, or a year or month standing for its first day (its last when `end`)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if _PARTIAL_DATE.fullmatch(raw) is None:
        try:
            return date.fromisoformat(raw) if len(raw) == 10 and _year_ok(raw) else _bad(name)
        except ValueError:
            return _bad(name)
    year, _, month = raw.partition("-")
    if not month:
        return date(int(year), 12, 31) if end else date(int(year), 1, 1)
    first = date(int(year), int(month), 1)
    if not end:
        return first
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _year_ok(raw: str) -> bool:
    return re.match(r"(19[7-9][0-9]|2[0-9]{3})-[0-9]{2}-[0-9]{2}$", raw) is not None


def _bad(name: str) -> date:
    raise DomainError(f"{name} must be a date (2024-05-01), a month (2024-05) or a year "
                      "(2024), from 1970.", name)
