"""A fake Statuspage: the Manage API (/v1) and a page's public API (/api/v2), over a Dataset.

Serves tests/statuspage_data.py's generated page the way Statuspage does (statuspage-compat.md):
- /v1/pages/<id>...: `Authorization: OAuth <key>` or 401 `{"error": "Could not authenticate"}`;
  list endpoints are bare JSON arrays paged by `page` (from 1) and `per_page` (at most 100),
  incidents by `page` and `limit`; subscribers filtered by `type` and `state` (default
  active; quarantined ones only when asked for), unsubscribed ones at /subscribers/unsubscribed;
  timestamps in UTC ("2024-06-07T22:26:34.370Z").
- /api/v2/summary.json, incidents.json, scheduled-maintenances.json: the public envelopes,
  `page` first, the 50 most recent, timestamps in the page's zone with its offset.
- Rate limiting on demand (`throttle`): every n-th request answers 420 (no Retry-After) or 429
  (with Retry-After), alternately.
Tests may change `dataset` between two imports, as Statuspage's data changes between runs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from werkzeug.wrappers import Response

from tests.fakes.server import FakeServer, RecordedRequest, json_response
from tests.statuspage_data import Dataset, Obj

API_KEY = "fake-statuspage-key"
PUBLIC_INCIDENT_KEYS = ("id", "name", "status", "created_at", "updated_at", "monitoring_at",
                        "resolved_at", "impact", "shortlink", "started_at", "page_id")
PUBLIC_UPDATE_KEYS = ("id", "status", "body", "incident_id", "created_at", "updated_at",
                      "display_at", "affected_components", "deliver_notifications",
                      "custom_tweet", "tweet_id")
PUBLIC_COMPONENT_KEYS = ("id", "name", "status", "created_at", "updated_at", "position",
                         "description", "showcase", "start_date", "group_id", "page_id",
                         "group", "only_show_if_degraded")
MAINTENANCE_STATUSES = ("scheduled", "in_progress", "verifying", "completed")


class FakeStatuspage(FakeServer):
    def __init__(self) -> None:
        super().__init__(self._answer)
        self.dataset: Dataset | None = None
        self.throttle_every = 0
        self.retry_after = "0"
        self._count = 0

    def serve(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def throttle(self, every: int, retry_after: str = "0") -> None:
        """Answer every `every`-th request with 420, then 429 + Retry-After, alternately."""
        self.throttle_every, self.retry_after = every, retry_after

    def _after_reset(self) -> None:
        self.dataset, self.throttle_every, self._count = None, 0, 0

    @property
    def throttled(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.answer_status in (420, 429)]

    def _answer(self, request: RecordedRequest) -> Response:
        self._count += 1
        if self.throttle_every and self._count % self.throttle_every == 0:
            if (self._count // self.throttle_every) % 2:
                return json_response({"error": "Rate limit exceeded"}, 420)
            return json_response({"error": "Rate limit exceeded"}, 429,
                                 {"Retry-After": self.retry_after})
        data = self.dataset
        if data is None:
            return json_response({"error": "Not found"}, 404)
        if request.path.startswith("/api/v2/"):
            return self._public(data, request.path)
        if request.headers.get("Authorization") != f"OAuth {API_KEY}":
            return json_response({"error": "Could not authenticate"}, 401)
        base = f"/v1/pages/{data.page['id']}"
        if not request.path.startswith(base):
            return json_response({"error": "Not found"}, 404)
        return self._manage(data, request.path[len(base):], request)

    def _manage(self, data: Dataset, path: str, request: RecordedRequest) -> Response:
        arg = _args(request)
        if path == "":
            return _json({"id": data.page["id"], "name": data.page["name"],
                          "time_zone": data.time_zone, "url": data.page["url"]})
        if path == "/component-groups":
            return _json(_page(data.groups, arg))
        if path == "/components":
            return _json(_page(data.components, arg))
        if path == "/incidents":
            return _json(_page(data.incidents, arg, size="limit"))
        if path == "/incident_templates":
            return _json(_page(data.templates, arg))
        if path == "/subscribers":
            state, kind = arg.get("state", "active"), arg.get("type")
            chosen = [s for s in data.subscribers
                      if ((state == "all" and data.states[s["id"]] != "unsubscribed")
                          or data.states[s["id"]] == state) and kind in (None, s["mode"])]
            return _json(_page(chosen, arg))
        if path == "/subscribers/unsubscribed":
            return _json(_page([s for s in data.subscribers
                                if data.states[s["id"]] == "unsubscribed"], arg))
        return json_response({"error": "Not found"}, 404)

    def _public(self, data: Dataset, path: str) -> Response:
        zone = ZoneInfo(data.time_zone)
        page = _render(data.page, zone)
        incidents = [i for i in data.incidents if i["status"] not in MAINTENANCE_STATUSES]
        windows = [i for i in data.incidents if i["status"] in MAINTENANCE_STATUSES]
        if path == "/api/v2/incidents.json":
            return _json({"page": page, "incidents": [_public_incident(data, i, zone)
                                                      for i in incidents[:50]]})
        if path == "/api/v2/scheduled-maintenances.json":
            return _json({"page": page, "scheduled_maintenances": [
                _public_incident(data, i, zone) for i in windows[:50]]})
        if path == "/api/v2/summary.json":
            open_ = [i for i in incidents if i["status"] not in ("resolved", "postmortem")]
            coming = [i for i in windows if i["status"] != "completed"]
            return _json({
                "page": page, "components": public_components(data, zone),
                "incidents": [_public_incident(data, i, zone) for i in open_],
                "scheduled_maintenances": [_public_incident(data, i, zone) for i in coming],
                "status": {"indicator": "none", "description": "All Systems Operational"}})
        return json_response({"error": "Not found"}, 404)


def public_components(data: Dataset, zone: ZoneInfo) -> list[Obj]:
    """components.json's flat list: groups (with their children's ids) and components."""
    out = []
    for group in data.groups:
        out.append(_render({
            "id": group["id"], "name": group["name"], "status": "operational",
            "created_at": group["created_at"], "updated_at": group["updated_at"],
            "position": group["position"], "description": group["description"],
            "showcase": False, "start_date": None, "group_id": None,
            "page_id": data.page["id"], "group": True, "only_show_if_degraded": False,
            "components": list(group["components"])}, zone))
    out.extend(_render({k: c[k] for k in PUBLIC_COMPONENT_KEYS}, zone) for c in data.components)
    return out


def _public_incident(data: Dataset, incident: Obj, zone: ZoneInfo) -> Obj:
    obj = {k: incident[k] for k in PUBLIC_INCIDENT_KEYS}
    obj["incident_updates"] = [{k: u[k] for k in PUBLIC_UPDATE_KEYS}
                               for u in incident["incident_updates"]]
    obj["components"] = [{k: data.component(c["id"])[k] for k in PUBLIC_COMPONENT_KEYS}
                         for c in incident["components"]]
    if incident["status"] in MAINTENANCE_STATUSES:
        obj["scheduled_for"] = incident["scheduled_for"]
        obj["scheduled_until"] = incident["scheduled_until"]
    return _render(obj, zone)


def _args(request: RecordedRequest) -> dict[str, str]:
    return {key: values[0] for key, values in request.args.items() if values}


def _page(items: list[Obj], arg: dict[str, str], size: str = "per_page") -> list[Obj]:
    number = max(int(arg.get("page", "1")), 1)
    per_page = min(int(arg.get(size, "100")), 100)
    return items[(number - 1) * per_page:number * per_page]


def _json(payload: Any) -> Response:
    return json_response(_render(payload, None))


def _render(value: Any, zone: ZoneInfo | None) -> Any:
    """Datetimes as Statuspage writes them: UTC with "Z" (Manage API), or in `zone`."""
    if isinstance(value, datetime):
        when = value.astimezone(zone) if zone is not None else value
        text = when.isoformat(timespec="milliseconds")
        return text.replace("+00:00", "Z") if zone is None else text
    if isinstance(value, dict):
        return {k: _render(v, zone) for k, v in value.items()}
    if isinstance(value, list):
        return [_render(v, zone) for v in value]
    return value
