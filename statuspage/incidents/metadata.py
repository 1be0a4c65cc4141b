"""An incident's `metadata`: the free-form object Statuspage keeps for automation.

Statuspage's shape is an object of objects, one level deep: `{"jira": {"issue_id": "OPS-1"}}`
(a tool's name, then its keys). Values are strings, numbers or booleans. It is stored as
given, returned by the Manage API and shown nowhere public. Changes merge as JSON Merge Patch
(RFC 7386) does, two levels down: a tool's keys are added or replaced, `null` removes a key
(or a whole tool), and keys not named are kept, so two tools writing their own entry never
erase each other's.

Limits (a 422 naming `metadata` past them): at most MAX_BYTES as compact JSON, names of at
most MAX_KEY characters without control characters, values of at most MAX_VALUE.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from statuspage.core.errors import DomainError

FIELD = "metadata"
MAX_BYTES = 8_192
MAX_KEY = 100
MAX_VALUE = 1_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
Metadata = dict[str, dict[str, Any]]


def merged(current: Mapping[str, Any] | None, patch: Any) -> Metadata:
    """`current` with `patch` merged in (null removes), checked; the value to store."""
    if not isinstance(patch, dict):
        raise DomainError('metadata must be an object of objects, e.g. '
                          '{"jira": {"issue_id": "OPS-1"}}.', FIELD)
    result: Metadata = {k: dict(v) for k, v in (current or {}).items() if isinstance(v, dict)}
    for name, entries in patch.items():
        _check_key(name)
        if entries is None:
            result.pop(name, None)
            continue
        if not isinstance(entries, dict):
            raise DomainError(f"metadata[{name}] must be an object of values, e.g. "
                              '{"issue_id": "OPS-1"}.', FIELD)
        target = result.setdefault(name, {})
        for key, value in entries.items():
            _check_key(key)
            if value is None:
                target.pop(key, None)
            else:
                target[key] = _checked_value(name, key, value)
        if not target:
            del result[name]
    size = len(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_BYTES:
        raise DomainError(f"metadata would take {size} bytes as JSON; at most {MAX_BYTES} "
                          "are kept per incident.", FIELD)
    return result


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY or _CONTROL.search(key):
        raise DomainError(f"metadata names are 1 to {MAX_KEY} characters without control "
                          f"characters; {str(key)[:MAX_KEY]!r} is not.", FIELD)


def _checked_value(name: str, key: str, value: Any) -> str | int | float | bool:
    if isinstance(value, bool | int | float):
        if isinstance(value, float) and not math.isfinite(value):  # no JSON form
            raise DomainError(f"metadata[{name}][{key}] is not a number JSON can hold.", FIELD)
        return value
    if isinstance(value, str):
        if len(value) > MAX_VALUE:
            raise DomainError(f"metadata[{name}][{key}] is longer than {MAX_VALUE} "
                              "characters.", FIELD)
        return value
    raise DomainError(f"metadata[{name}][{key}] must be a string, a number or a boolean.",
                      FIELD)
