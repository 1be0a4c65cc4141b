"""Form-encoded request bodies read the way Statuspage (a Rails application) reads them.

Statuspage's documentation shows every write as curl with `-d "incident[name]=..."`, and
tools written from it send exactly that. The bracketed names nest:

    incident[name]=Outage                     -> {"incident": {"name": "Outage"}}
    incident[component_ids][]=a&...[]=b       -> {"incident": {"component_ids": ["a", "b"]}}
    incident[components][a]=major_outage      -> {"incident": {"components": {"a": "..."}}}
    incident[metadata][jira][issue_id]=OPS-1  -> {"incident": {"metadata": {"jira": {...}}}}

The result is what the JSON body would have been, with every value a string, so the same
readers (statuspage/api/v1_body.py) check both: booleans are taken as "true"/"false" there.
Where Rails would quietly pick one of two values (a plain name given twice) or drop one
(a name used both as a value and as an object), this refuses: nothing sent is ignored.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from statuspage.core.errors import DomainError

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# resource[field][key][subkey][]: deep enough for metadata, which is the deepest body.
MAX_DEPTH = 5
_NAME = re.compile(r"([^\[\]]+)((?:\[[^\[\]]*\])*)")
_PART = re.compile(r"\[([^\[\]]*)\]")


def nested(form: MultiDict[str, str]) -> dict[str, Any]:
    """The form's fields as the nested object their bracketed names describe."""
    result: dict[str, Any] = {}
    for name, values in form.lists():
        path = _path(name)
        if path[-1] == "":  # name[]: a list, every value in order
            _put(result, path[:-1], list(values), name)
            continue
        if len(values) > 1:
            raise DomainError(f"{name} is given {len(values)} times; give it once (or "
                              f"write {name}[] for a list).", path[-1])
        _put(result, path, values[0], name)
    return result


def _path(name: str) -> list[str]:
    match = _NAME.fullmatch(name)
    if match is None:
        raise BadRequest(f"Cannot read the form field name {name!r}: write resource[field], "
                         "resource[field][] for a list, resource[field][key] for an object.")
    path = [match.group(1), *_PART.findall(match.group(2))]
    if len(path) > MAX_DEPTH:
        raise BadRequest(f"The form field name {name!r} nests deeper than {MAX_DEPTH} levels.")
    if "" in path[:-1]:
        raise BadRequest(f"In the form field name {name!r}, [] may only come last.")
    return path


def _put(target: dict[str, Any], path: list[str], value: Any, name: str) -> None:
    for key in path[:-1]:
        child = target.setdefault(key, {})
        if not isinstance(child, dict):
            raise BadRequest(f"The form field {name!r} uses {key!r} as an object, but it is "
                             "also given a value.")
        target = child
    if path[-1] in target:
        raise BadRequest(f"The form field {name!r} is given as a value and as an object (or "
                         "list) at once.")
    target[path[-1]] = value
