"""The schemathesis run's rules for component groups, subscribers and uptime (issue 14).

What no schema can state, kept in the requests schemathesis sends
(tests/test_api_v1_schemathesis.py calls `ResourceRules.keep` before each call):
- positive bodies name existing components (`components` lists of a group, `component_ids`
  of a subscriber, also in the unwrapped subscriber PATCH body) and no unknown subscriber
  (`subscribers` lists become empty: the bulk actions then do nothing, and answer 201);
- a positive subscriber or follower body gets a fresh, valid email address in place of
  whatever address it had (the server checks addresses as the subscribe form does: a random
  string is refused, an address already on the list too, a webhook URL must resolve);
- a positive uptime query asks for a range the server takes (ending before today in any
  page time zone, at most 184 days long);
- no request deletes the components every other rule points at.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

ADDRESS_FIELDS = ("email", "endpoint", "phone_number", "phone_country")
# An id no component has (public ids are 12 characters of [0-9a-z]).
NO_SUCH_ID = "zzzzzzzzzzzz"


class ResourceRules:
    """`leaves` and `group` are the public ids of the run's components and group."""

    def __init__(self, leaves: list[str], group: str) -> None:
        self.leaves = leaves
        self.protected = {*leaves, group}
        self._numbers = count(1)

    def keep(self, case: Any, positive: bool) -> None:
        if case.method.upper() == "DELETE":
            for name, value in (case.path_parameters or {}).items():
                if value in self.protected:
                    case.path_parameters[name] = NO_SUCH_ID
        if not positive:
            return
        if isinstance(case.body, dict):
            self._fields(case.body)
            for inner in case.body.values():
                if isinstance(inner, dict):
                    self._fields(inner)
        if isinstance(case.query, dict) and {"start", "end"} & set(case.query):
            today = datetime.now(UTC).date()
            case.query["start"] = (today - timedelta(days=30)).isoformat()
            case.query["end"] = (today - timedelta(days=2)).isoformat()

    def _fields(self, fields: dict[str, Any]) -> None:
        if isinstance(fields.get("components"), list):
            fields["components"] = list(self.leaves)
        if isinstance(fields.get("component_ids"), list):
            fields["component_ids"] = list(self.leaves)
        if isinstance(fields.get("subscribers"), list):
            fields["subscribers"] = []
        if any(fields.get(name) is not None for name in ADDRESS_FIELDS[:3]):
            for name in ADDRESS_FIELDS:
                fields.pop(name, None)
            fields["email"] = f"schemathesis-{next(self._numbers)}@example.com"
