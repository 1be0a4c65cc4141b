"""What one Statuspage page holds, read whole before anything is written (a Snapshot).

With an API key, from the Manage API: the page, its component groups and components, every
incident and maintenance (with its updates and postmortem), the incident templates, and the
email, SMS and webhook subscribers, active, quarantined (Statuspage stopped reaching them) and
unsubscribed. Without a key, from the page's public /api/v2: components, and the incidents
and maintenances the public lists show (the 50 most recent of each, plus any still open);
no postmortem text, templates or subscribers, which only the Manage API gives.

The objects stay in Statuspage's shapes (statuspage-compat.md); each importer reads the
fields it needs. `fingerprint` hashes one object, so a later run can tell whether it changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from statuspage.migration.client import Client, SourceError
from statuspage.migration.progress import Progress

Obj = dict[str, Any]
# Subscriber kinds the import brings in; Slack and integration partners have no address of
# ours (their channel name is obfuscated in the API), so their active ones are only read to
# be counted in the report as left behind.
SUBSCRIBER_TYPES = ("email", "sms", "webhook")
OTHER_TYPES = ("slack", "integration_partner")
ACTIVE, QUARANTINED, UNSUBSCRIBED = "active", "quarantined", "unsubscribed"


@dataclass
class SourceSubscriber:
    """A Statuspage subscriber and the list it was on (active, quarantined, unsubscribed)."""

    state: str
    data: Obj


@dataclass
class Snapshot:
    page_id: str
    page_name: str
    mode: str  # "manage" (API key) or "public"
    components: list[Obj] = field(default_factory=list)  # groups carry "group": true
    incidents: list[Obj] = field(default_factory=list)  # maintenances carry scheduled_for
    templates: list[Obj] = field(default_factory=list)
    subscribers: list[SourceSubscriber] = field(default_factory=list)


def fingerprint(value: Any) -> str:
    """A stable hash of a JSON value: equal for equal content, whatever the key order."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def fetch_manage(client: Client, page_id: str, progress: Progress) -> Snapshot:
    """Everything the Manage API gives about the page (see the module)."""
    base = f"/pages/{page_id}"
    page = client.get(base)
    if not isinstance(page, dict):
        raise SourceError(f"{base} did not answer with a page.")
    snapshot = Snapshot(page_id=page_id, page_name=str(page.get("name") or page_id),
                        mode="manage")
    groups = _read(client, progress, "Reading component groups", f"{base}/component-groups")
    components = _read(client, progress, "Reading components", f"{base}/components")
    snapshot.components = _merge_components(groups, components)
    snapshot.incidents = _read(client, progress, "Reading incidents", f"{base}/incidents",
                               size_param="limit")
    snapshot.templates = _read(client, progress, "Reading templates",
                               f"{base}/incident_templates")
    progress.begin("Reading subscribers")
    for kind in SUBSCRIBER_TYPES:
        for state in (ACTIVE, QUARANTINED):
            for batch in client.items(f"{base}/subscribers", {"type": kind, "state": state}):
                snapshot.subscribers.extend(SourceSubscriber(state, s) for s in batch)
                progress.advance(len(batch))
    for kind in OTHER_TYPES:
        for batch in client.items(f"{base}/subscribers", {"type": kind, "state": ACTIVE}):
            snapshot.subscribers.extend(SourceSubscriber(ACTIVE, s) for s in batch)
            progress.advance(len(batch))
    for batch in client.items(f"{base}/subscribers/unsubscribed"):
        snapshot.subscribers.extend(SourceSubscriber(UNSUBSCRIBED, s) for s in batch)
        progress.advance(len(batch))
    progress.end()
    return snapshot


def _read(client: Client, progress: Progress, label: str, path: str,
          size_param: str = "per_page") -> list[Obj]:
    progress.begin(label)
    found: list[Obj] = []
    for batch in client.items(path, size_param=size_param):
        found.extend(batch)
        progress.advance(len(batch))
    progress.end()
    return found


def _merge_components(groups: list[Obj], components: list[Obj]) -> list[Obj]:
    """One flat list as the public API has it: groups (`group: true`, their children's ids in
    `components`), then components. The Manage API lists groups on their own endpoint, and
    may list them among the components too; the group endpoint's copy wins."""
    merged: dict[str, Obj] = {}
    for group in groups:
        merged[str(group["id"])] = {**group, "group": True}
    for component in components:
        key = str(component.get("id"))
        if component.get("group"):
            merged.setdefault(key, component)
        elif key not in merged:
            merged[key] = component
    return list(merged.values())


def fetch_public(client: Client, page_id: str, progress: Progress) -> Snapshot:
    """What the page's public /api/v2 shows (see the module)."""
    progress.begin("Reading the public API", 3)
    summary = _envelope(client, "/api/v2/summary.json")
    progress.advance()
    page = summary.get("page") or {}
    if str(page.get("id")) != page_id:
        raise SourceError(f"The page at {client.base_url} is {page.get('id')!r}, not "
                          f"{page_id!r}; check --page-id and --base-url.")
    incidents = _envelope(client, "/api/v2/incidents.json")
    progress.advance()
    maintenances = _envelope(client, "/api/v2/scheduled-maintenances.json")
    progress.advance()
    progress.end()
    by_id: dict[str, Obj] = {}
    for item in (*summary.get("incidents", []), *incidents.get("incidents", []),
                 *summary.get("scheduled_maintenances", []),
                 *maintenances.get("scheduled_maintenances", [])):
        if isinstance(item, dict) and item.get("id"):
            by_id.setdefault(str(item["id"]), item)
    return Snapshot(page_id=page_id, page_name=str(page.get("name") or page_id),
                    mode="public", components=list(summary.get("components") or []),
                    incidents=list(by_id.values()))


def _envelope(client: Client, path: str) -> Obj:
    body = client.get(path)
    if not isinstance(body, dict) or "page" not in body:
        raise SourceError(f"{client.base_url}{path} is not a Statuspage API answer.")
    return body
