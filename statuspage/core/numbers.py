"""Whole numbers read from URLs, query strings and forms: ASCII digits only, always bounded.

`str.isdigit()` accepts '²' (which `int()` then refuses), `int()` accepts full-width digits;
an unbounded number overflows SQLite's and PostgreSQL's integers (OverflowError, DataError).
Every number a request carries goes through here instead, so it is either a bounded int or
a clean 4xx.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.routing import IntegerConverter, Map, ValidationError

# The largest primary key: PostgreSQL's INTEGER (SQLite's is larger, so this bounds both).
MAX_ID = 2**31 - 1
# Far beyond any real list; (page - 1) * per_page stays a small int for OFFSET.
MAX_PAGE = 1_000_000


def whole_number(raw: str | None, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """The int that `raw` spells in ASCII digits, when it is within [minimum, maximum].

    None for anything else: '', ' 1', '-1', '1e3', '²', full-width digits, or out of bounds.
    """
    if not raw or not (raw.isascii() and raw.isdigit()):
        return None
    if len(raw.lstrip("0")) > len(str(maximum)):
        return None  # too long to be in range: never build a huge int from visitor input
    value = int(raw)
    return value if minimum <= value <= maximum else None


def query_number(name: str, default: int, minimum: int = 1, maximum: int = MAX_PAGE) -> int:
    """The query-string number `name` (default when absent or empty); 400 when it is not one."""
    raw = request.args.get(name, "")
    if raw == "":
        return default
    value = whole_number(raw, minimum, maximum)
    if value is None:
        abort(400, description=f"“{name}” must be a whole number from {minimum} to {maximum}.")
    return value


def page_number() -> int:
    """`?page=` of a paginated list: 1 by default, 400 when it is not a page number."""
    return query_number("page", 1)


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` that matches ASCII digits only and at most MAX_ID: a larger id is a 404.

    Werkzeug's own converter matches any Unicode digit and builds any size of int, which
    then overflows the database driver.
    """

    regex = r"[0-9]+"

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str) -> int:
        if len(value.lstrip("0")) > len(str(MAX_ID)):
            raise ValidationError()
        return super().to_python(value)


def form_id(value: Any) -> int:
    """WTForms `coerce` for selects of ids: a bounded int, else ValueError (a field error)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_ID:
        return value
    number = whole_number(str(value))
    if number is None:
        raise ValueError("Not a valid choice.")
    return number
