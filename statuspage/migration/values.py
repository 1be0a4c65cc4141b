"""Statuspage's values read into ours: timestamps, dates, statuses, and which public id to use.

Timestamps come in the page's zone with milliseconds (`2022-02-15T13:37:37.407-08:00`), in
UTC with `Z`, or without milliseconds (`2024-06-07T01:00:17Z`); all are stored as aware UTC.
A Statuspage id is kept as our public id where it has our shape (12 lowercase base-36
characters, as every Statuspage id seen has) and no row of ours uses it yet, so
`/incidents/<id>` and the API's component codes stay what they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from statuspage.core.extensions import db
from statuspage.models import ComponentStatus, new_public_id

PUBLIC_ID = re.compile(r"[0-9a-z]{12}")
COMPONENT_STATUSES = frozenset(s.value for s in ComponentStatus)
# Statuspage impact -> our severity (product.md: SEV1 critical ... SEV4 minor/none).
SEVERITY_OF_IMPACT = {"critical": "SEV1", "major": "SEV2", "minor": "SEV3", "none": "SEV4"}


def timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime from Statuspage's ISO 8601 text; None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def day(value: Any) -> date | None:
    """A bare date ("2021-08-11"); None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def component_status(value: Any, default: str = ComponentStatus.OPERATIONAL.value) -> str:
    """A component status we know (Statuspage's enum also allows "")."""
    return value if value in COMPONENT_STATUSES else default


def text(value: Any, limit: int | None = None) -> str:
    """A string field (None -> ""), cut to `limit` characters."""
    result = "" if value is None else str(value)
    return result[:limit] if limit is not None else result


def flag(value: Any) -> bool:
    return value is True or value == "true"


def public_ids(column: InstrumentedAttribute[str], wanted: Iterable[str]) -> dict[str, str]:
    """For each Statuspage id, the public id its new row gets: the id itself where it has our
    shape and is free in `column`'s table (and not given twice here), else a new one."""
    wanted = list(wanted)
    shaped = [w for w in wanted if PUBLIC_ID.fullmatch(w)]
    taken: set[str] = set()
    for start in range(0, len(shaped), 500):
        chunk = shaped[start:start + 500]
        taken.update(db.session.execute(select(column).where(column.in_(chunk))).scalars())
    chosen: dict[str, str] = {}
    for source_id in wanted:
        if PUBLIC_ID.fullmatch(source_id) and source_id not in taken:
            chosen[source_id] = source_id
            taken.add(source_id)
        else:
            chosen[source_id] = new_public_id()
    return chosen
