"""Reading Statuspage-style request bodies: `{"incident": {...}}`, `{"component": {...}}`.

Types and shapes are checked here, each refusal a 422 naming the field; what a value may be
(a status an incident can have, a window that ends after it starts) is the use-cases'
decision. Guarantees, each described in the OpenAPI document (statuspage/api/v1_openapi.py):
- a body is JSON or form-encoded the Rails way Statuspage takes (`incident[name]=...`,
  statuspage/api/v1_form.py); anything else is a 415, and a body that is not
  `{"<resource>": {...}}` a 400;
- a field the operation does not take is refused (422), never ignored: a client that sends
  `visibility` or `backfilled` to a server that did not know them must not publish;
- text never holds C0 control characters or DEL (tab, newline and carriage return allowed
  in multi-line text only), so nothing reaches a feed, an email header or the database that
  breaks it;
- booleans are JSON booleans or the strings "true"/"false" (form-encoded Statuspage habits);
- JSON `null` means "not given".
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import request
from sqlalchemy import select
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from statuspage.api.v1_form import FORM_TYPES, nested
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Component, ComponentStatus
from statuspage.models.status import IMPACTS

COMPONENT_STATUSES = tuple(s.value for s in ComponentStatus)

# The incident list's query parameters (v1_incidents), as the OpenAPI document states them.
MAX_LIMIT = 100
MAX_PAGE = 1_000_000
MAX_QUERY = 200
FLAG_STRINGS = {"true": True, "false": False}
# Dates outside these years are refused: no use-case means them, and near the ends of the
# calendar converting them between time zones overflows. YEARS states it as a pattern.
MIN_YEAR = 1970
MAX_YEAR = 2999
YEARS = r"^(19[7-9][0-9]|2[0-9]{3})-"
# C0 control characters and DEL: none in a single line; tab, LF and CR allowed in multi-line
# text. The OpenAPI document states the same rules as patterns (SINGLE_LINE / MULTI_LINE).
_SINGLE_LINE_REFUSED = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# A public id (12 lowercase base-36 characters today); anything else names nothing and is
# never sent to the database (a NUL byte would be an error there on PostgreSQL).
_PUBLIC_ID = re.compile(r"[0-9a-z]{1,64}")


def resource(key: str, fields: Collection[str]) -> dict[str, Any]:
    """The object under `key` in a JSON or form-encoded request body, holding only `fields`.

    415 when the body is neither, 400 when it is not `{"<key>": {...}}` (`<key>[field]=...`
    in a form), 422 naming the first field the operation does not take. A form's values are
    strings (lists and objects of strings), which the readers below accept where JSON would
    have had a boolean.
    """
    payload = body_object(key)
    inner = payload.get(key)
    if not isinstance(inner, dict):
        raise BadRequest(f'The body must wrap the fields in a "{key}" object '
                         f'(form-encoded: {key}[field]=value).')
    for name in payload:
        if name != key:
            raise DomainError(f"Unknown field {name!r}: the body holds only {key!r}.", name)
    refuse_unknown(inner, fields)
    return inner


def body_object(key: str) -> dict[str, Any]:
    """The request body as an object: parsed JSON, or a form's nested fields."""
    if request.mimetype in FORM_TYPES:
        if request.files:
            raise UnsupportedMediaType("Files are not taken here; send form fields or JSON.")
        return nested(request.form)
    if not request.is_json:
        raise UnsupportedMediaType("Send a JSON body (Content-Type: application/json) or "
                                   "form fields (application/x-www-form-urlencoded).")
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        raise BadRequest(f'Send a JSON object body: {{"{key}": {{...}}}}.')
    return payload


def refuse_unknown(raw: Mapping[str, Any], fields: Collection[str], why: str = "") -> None:
    """422 naming the first key of `raw` not in `fields` (nothing is silently ignored)."""
    for name in raw:
        if name not in fields:
            raise DomainError(f"Unknown field {name!r}{why}; the fields taken here are "
                              f"{', '.join(sorted(fields))}.", name)


def text(raw: Mapping[str, Any], name: str, multiline: bool = False) -> str | None:
    """A string without C0 control characters (tab, LF, CR allowed when `multiline`)."""
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DomainError(f"{name} must be a string.", name)
    refused = (_MULTI_LINE_REFUSED if multiline else _SINGLE_LINE_REFUSED).search(value)
    if refused is not None:
        raise DomainError(f"{name} must not contain control characters "
                          f"(found U+{ord(refused.group()):04X}).", name)
    return value


def is_public_id(value: str) -> bool:
    """Whether `value` could be a public id (so it is worth looking up)."""
    return _PUBLIC_ID.fullmatch(value) is not None


def flag(raw: Mapping[str, Any], *names: str) -> bool | None:
    """A boolean under `names` (aliases, which must agree); "true"/"false" also accepted."""
    found: dict[str, bool] = {}
    for name in names:
        value = raw.get(name)
        if value is None:
            continue
        if isinstance(value, bool):
            found[name] = value
        elif isinstance(value, str) and value in FLAG_STRINGS:
            found[name] = FLAG_STRINGS[value]
        else:
            raise DomainError(f"{name} must be true or false.", name)
    if len(set(found.values())) > 1:
        raise DomainError(f"{' and '.join(found)} name the same setting here; give them the "
                          "same value.", list(found)[-1])
    return next(iter(found.values()), None)


def fixed(raw: Mapping[str, Any], honoured: Mapping[str, tuple[bool, str]]) -> None:
    """Statuspage switches this server keeps one way only ({name: (value, why)}): accepted
    at that value, else a 422 saying why."""
    for name, (value, why) in honoured.items():
        given = flag(raw, name)
        if given is not None and given != value:
            raise DomainError(f"{name} can only be {str(value).lower()} here: {why}", name)


def metadata(raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """`metadata` as given (an object; its contents are checked by incidents.metadata)."""
    value = raw.get("metadata")
    if value is not None and not isinstance(value, dict):
        raise DomainError('metadata must be an object of objects, e.g. '
                          '{"jira": {"issue_id": "OPS-1"}}.', "metadata")
    return value


def timestamp(raw: Mapping[str, Any], name: str) -> datetime | None:
    """An ISO 8601 timestamp; one without an offset is taken as UTC."""
    value = text(raw, name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{name} must be an ISO 8601 timestamp, "
                          "e.g. 2024-05-01T14:00:00Z.", name) from None
    # The year as written (what the document's pattern states); far from the calendar's
    # ends, so the conversion to UTC cannot overflow.
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise DomainError(f"{name} must lie between the years {MIN_YEAR} and {MAX_YEAR}.", name)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def day(raw: Mapping[str, Any], name: str) -> date | None:
    value = text(raw, name)
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise DomainError(f"{name} must be a date, e.g. 2024-05-01.", name) from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise DomainError(f"{name} must lie between the years {MIN_YEAR} and {MAX_YEAR}.", name)
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
    for value in public_ids:
        if not is_public_id(value):
            raise DomainError(f"No component with id {value!r}.", field)
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
    for status in (mapping or {}).values():
        if status not in COMPONENT_STATUSES:
            raise DomainError(f"Unknown component status {status!r}.", "components")
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


def top_level(fields: Collection[str]) -> dict[str, Any]:
    """A body whose fields are not wrapped in a resource key: Statuspage's subscriber PATCH
    (`{"component_ids": [...]}`, form `component_ids[]=...`), its bulk subscriber bodies and
    the component group body (`{"description": ..., "component_group": {...}}`). JSON or a
    form, 415/400/422 as `resource`."""
    if request.is_json and not isinstance(request.get_json(silent=True), dict):
        raise BadRequest("Send a JSON object body.")
    payload = body_object("")
    refuse_unknown(payload, fields)
    return payload


def id_list(raw: Mapping[str, Any], name: str) -> list[str] | None:
    """A list of public ids (None when not given); 422 when it is not one."""
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
            isinstance(item, str) and is_public_id(item) for item in value):
        raise DomainError(f"{name} must be a list of ids.", name)
    return list(dict.fromkeys(value))
