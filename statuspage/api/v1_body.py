"""Reading Statuspage-style request bodies: `{"incident": {...}}`, `{"component": {...}}`.

Only types are checked here, each refusal naming the field; what a value may be (a status an
incident can have, a window that ends after it starts) is the use-cases' decision. Unknown
fields are ignored, as Statuspage ignores them, so clients written for it keep working.
JSON `null` means "not given".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import request
from sqlalchemy import select
from werkzeug.exceptions import BadRequest

from statuspage.errors import DomainError
from statuspage.extensions import db
from statuspage.models import Component
from statuspage.models.status import IMPACTS
from statuspage.timefmt import out_of_range_message, year_in_range

_TRUE = ("true", "1", "yes")
_FALSE = ("false", "0", "no")


def resource(key: str) -> dict[str, Any]:
    """The object under `key` in a JSON request body; 400 when the body is not shaped so."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadRequest(f'Send a JSON object body: {{"{key}": {{...}}}} '
                         "with Content-Type: application/json.")
    inner = payload.get(key)
    if not isinstance(inner, dict):
        raise BadRequest(f'The body must wrap the fields in a "{key}" object.')
    return inner


def text(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError(f"{name} must be a string.", name)
    return value


def flag(raw: Mapping[str, Any], *names: str) -> bool | None:
    """A boolean under the first of `names` present (aliases); "true"/"false" also accepted."""
    for name in names:
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
            return value.strip().lower() in _TRUE
        raise DomainError(f"{name} must be true or false.", name)
    return None


def timestamp(raw: Mapping[str, Any], name: str) -> datetime | None:
    """An ISO 8601 timestamp; one without an offset is taken as UTC."""
    value = text(raw, name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(f"{name} must be an ISO 8601 timestamp, "
                          "e.g. 2024-05-01T14:00:00Z.", name) from None
    if not year_in_range(parsed):
        raise DomainError(f"{name}: {out_of_range_message()}", name)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def day(raw: Mapping[str, Any], name: str) -> date | None:
    value = text(raw, name)
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(f"{name} must be a date, e.g. 2024-05-01.", name) from None
    if not year_in_range(parsed):
        raise DomainError(f"{name}: {out_of_range_message()}", name)
    return parsed


def impact(raw: Mapping[str, Any]) -> str | None:
    value = text(raw, "impact_override")
    if value is not None and value not in IMPACTS:
        raise DomainError(f"impact_override must be one of {', '.join(IMPACTS)}.",
                          "impact_override")
    return value


def components_by_public_id(public_ids: list[str], field: str) -> dict[str, Component]:
    """Components named by their public ids; a 422 naming the first unknown id."""
    if not public_ids:
        return {}
    found = {c.public_id: c for c in db.session.execute(
        select(Component).where(Component.public_id.in_(public_ids))
    ).scalars()}
    for public_id in public_ids:
        if public_id not in found:
            raise DomainError(f"No component with id {public_id!r}.", field)
    return found


@dataclass
class ComponentRefs:
    """The `components` map (id -> status) and `component_ids` list, resolved to rows."""

    statuses: dict[int, str] | None  # None: no `components` map given
    affected: list[Component]  # every component named by either field, in order given

    @property
    def ids(self) -> list[int]:
        return [c.id for c in self.affected]


def component_refs(raw: Mapping[str, Any]) -> ComponentRefs:
    """Read `components` ({component_id: status}) and `component_ids` ([component_id])."""
    mapping = raw.get("components")
    if mapping is not None and not (
        isinstance(mapping, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items())
    ):
        raise DomainError("components must map component ids to statuses.", "components")
    listed = raw.get("component_ids")
    if listed is not None and not (
        isinstance(listed, list) and all(isinstance(i, str) for i in listed)
    ):
        raise DomainError("component_ids must be a list of component ids.", "component_ids")
    by_id = components_by_public_id(list(mapping or {}), "components")
    by_id |= components_by_public_id(list(listed or []), "component_ids")
    order = list(dict.fromkeys([*(mapping or {}), *(listed or [])]))
    statuses = (
        {by_id[public_id].id: status for public_id, status in mapping.items()}
        if mapping is not None else None
    )
    return ComponentRefs(statuses=statuses, affected=[by_id[i] for i in order])
