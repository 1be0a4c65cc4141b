"""A generated Statuspage page in the Manage API's shapes, for tests/fakes/statuspage.py.

Deterministic for a seed: groups and components, incidents with 2-5 updates (component
changes on most, postmortems on some, two still open), scheduled maintenances (past, in
progress, upcoming), incident templates, and subscribers of every kind and state. Shapes and
key order follow real responses: the public captures in /work/shared/fixtures/statuspage/
and the Manage API samples in statuspage-compat.md 1.11 (port-labs' 2024 incident, component
and group responses, the airbyte subscriber and template schemas). Times are kept as aware
datetimes and rendered by the fake: the Manage API in UTC ("...370Z"), the public API in the
page's zone with its offset, as each is served.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

Obj = dict[str, Any]
ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
GROUPS = ("Platform", "Messaging", "Payments", "Data", "Integrations")
NAMES = ("API", "Dashboard", "Webhooks", "Search", "Email delivery", "SMS delivery",
         "Checkout", "Billing", "Reports", "Exports", "Single sign-on", "Mobile app",
         "CDN", "Uploads", "Notifications", "Scheduler", "Analytics", "Audit log",
         "Slack app", "GitHub app", "Jira app", "Zapier", "Status widget", "Docs",
         "Website", "Login", "Storage", "Queue", "Realtime", "Public API v1")
TROUBLE = ("Elevated error rates", "Degraded performance", "Delayed processing",
           "Intermittent timeouts", "Partial outage", "Login failures", "Slow responses")
BODIES = {
    "investigating": "We are investigating reports of {what} affecting {name}.",
    "identified": "The issue has been identified and a fix is being implemented.",
    "monitoring": "A fix has been implemented and we are monitoring the results.",
    "resolved": "This incident has been resolved.",
    "postmortem": "A postmortem has been published.",
}
IMPACT_STATUS = {"none": "operational", "minor": "degraded_performance",
                 "major": "partial_outage", "critical": "major_outage"}
AREA_CODES = ("201", "202", "212", "213", "305", "312", "404", "415", "503", "512", "602",
              "617", "646", "702", "713", "718", "720", "801", "206", "214", "303", "347",
              "412", "469", "510", "571", "619", "650", "678", "704", "732", "773", "786",
              "818", "832", "847", "858", "904", "917", "949", "203", "207", "210", "215",
              "216", "217", "218", "219", "224", "225", "228", "229", "231", "234", "239",
              "240", "248", "251", "252", "253", "254", "256", "260", "262", "267", "269")


@dataclass
class Dataset:
    page: Obj
    time_zone: str
    groups: list[Obj] = field(default_factory=list)
    components: list[Obj] = field(default_factory=list)  # leaves, Manage API shape
    incidents: list[Obj] = field(default_factory=list)  # maintenances too, newest first
    templates: list[Obj] = field(default_factory=list)
    subscribers: list[Obj] = field(default_factory=list)
    # Subscriber id -> active, quarantined, unconfirmed or unsubscribed (not in the object).
    states: dict[str, str] = field(default_factory=dict)

    def component(self, component_id: str) -> Obj:
        return next(c for c in self.components if c["id"] == component_id)


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng, self.seen = rng, set[str]()

    def __call__(self) -> str:
        while True:
            value = "".join(self.rng.choice(ALPHABET) for _ in range(12))
            if value not in self.seen:
                self.seen.add(value)
                return value


def generate(components: int = 30, incidents: int = 500, subscribers: int = 20_000,
             maintenances: int = 24, templates: int = 8, seed: int = 14,
             now: datetime | None = None) -> Dataset:
    """A page with that many components (in five groups, a few at the root), incidents,
    email, SMS and webhook subscribers, maintenances and templates (see the module)."""
    rng = random.Random(seed)
    new_id = _Ids(rng)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    page_id = new_id()
    data = Dataset(page={"id": page_id, "name": "Acme Cloud", "url": "https://status.acme.test",
                         "time_zone": "America/Tijuana", "updated_at": now},
                   time_zone="America/Tijuana")
    created = now - timedelta(days=900)
    for position, name in enumerate(GROUPS, 1):
        data.groups.append({"id": new_id(), "page_id": page_id, "name": name,
                            "description": None, "components": [], "position": position,
                            "created_at": created, "updated_at": created})
    for index in range(components):
        group = data.groups[index % len(GROUPS)] if index < components - 3 else None
        siblings = group["components"] if group else [c for c in data.components
                                                      if c["group_id"] is None]
        component_id = new_id()
        data.components.append({
            "id": component_id, "page_id": page_id, "group_id": group and group["id"],
            "created_at": created, "updated_at": created, "group": False,
            "name": NAMES[index % len(NAMES)], "description": rng.choice(
                (None, f"{NAMES[index % len(NAMES)]} for our customers")),
            "position": len(siblings) + 1 + (len(GROUPS) if group is None else 0),
            "status": "operational", "showcase": True, "only_show_if_degraded": False,
            "automation_email": f"component+{rng.getrandbits(128):032x}"
                                "@notifications.statuspage.io",
            "start_date": created.date().isoformat()})
        if group:
            group["components"].append(component_id)
    for number in range(incidents):
        started = now - timedelta(days=540) + timedelta(days=539 * number / incidents,
                                                        minutes=rng.randint(0, 600))
        data.incidents.append(_incident(data, rng, new_id, started, open_=number >= incidents - 2))
    for number in range(maintenances):
        # The last three are upcoming (the first in two hours), the one before in progress.
        start = (now - timedelta(hours=1) if number == maintenances - 4
                 else now + timedelta(days=(number - maintenances + 3) * 12, hours=2))
        data.incidents.append(_maintenance(data, rng, new_id, start, now))
    data.incidents.sort(key=lambda i: i["created_at"], reverse=True)
    for number in range(templates):
        status = ("investigating", "identified", "monitoring", "resolved",
                  "scheduled", "in_progress", "completed", None)[number % 8]
        data.templates.append({
            "id": new_id(), "components": [dict(rng.choice(data.components))],
            "name": f"{(status or 'general').replace('_', ' ').title()} ({number + 1})",
            "title": f"{rng.choice(TROUBLE)} {{maybe}}",
            "body": BODIES.get(status or "", "We are looking into it.").format(
                what="problems", name="our services"),
            "group_id": None, "update_status": status, "should_tweet": False,
            "should_send_notifications": True})
    _subscribers(data, rng, new_id, subscribers, now)
    return data


def _incident(data: Dataset, rng: random.Random, new_id: _Ids, started: datetime,
              open_: bool) -> Obj:
    incident_id = new_id()
    impact = rng.choices(("none", "minor", "major", "critical"), (1, 5, 3, 1))[0]
    hit = rng.sample(data.components, rng.randint(1, min(3, len(data.components))))
    what = rng.choice(TROUBLE)
    steps = ["investigating", *rng.sample(("identified", "monitoring"), rng.randint(0, 2)),
             "resolved"]
    if open_:
        steps = steps[:-1][:2]
    when, updates, before = started + timedelta(minutes=rng.randint(1, 20)), [], "operational"
    monitoring_at = None
    for index, status in enumerate(steps):
        now_status = {"resolved": "operational", "monitoring": "degraded_performance"}.get(
            status, IMPACT_STATUS[impact])
        affected = None if rng.random() < 0.15 else [
            {"code": c["id"], "name": _display_name(data, c), "old_status": before,
             "new_status": now_status} for c in hit]
        updates.append({
            "id": new_id(), "incident_id": incident_id, "affected_components": affected,
            "body": BODIES[status].format(what=what.lower(), name=hit[0]["name"]),
            "created_at": when, "custom_tweet": None, "deliver_notifications": index != 1,
            "display_at": started if index == 0 and rng.random() < 0.3 else when,
            "status": status, "tweet_id": None, "twitter_updated_at": None,
            "updated_at": when, "wants_twitter_update": False})
        monitoring_at = monitoring_at or (when if status == "monitoring" else None)
        before = now_status
        when += timedelta(minutes=rng.randint(10, 180))
    resolved = updates[-1]["created_at"] if not open_ else None
    postmortem = not open_ and rng.random() < 0.12
    draft = not open_ and not postmortem and rng.random() < 0.05
    status = "postmortem" if postmortem else steps[-1]
    return _incident_object(
        incident_id, data, hit, started, updates, impact, status, monitoring_at, resolved,
        name=f"{what} for {hit[0]['name']}",
        postmortem_body=(f"## What happened\n\n{what} on {hit[0]['name']}.\n\n## What we "
                         "changed\n\nMore capacity and an alert." if postmortem or draft
                         else None),
        postmortem_at=resolved + timedelta(days=2) if postmortem or (draft and resolved) else None,
        published=postmortem)


def _maintenance(data: Dataset, rng: random.Random, new_id: _Ids, start: datetime,
                 now: datetime) -> Obj:
    incident_id = new_id()
    end = start + timedelta(hours=2)
    hit = rng.sample(data.components, rng.randint(1, 2))
    steps = ["scheduled"] + (["in_progress"] if start <= now else []) + (
        ["verifying", "completed"] if end <= now else [])
    updates = []
    for index, status in enumerate(steps):
        at = start - timedelta(days=3) if index == 0 else start + timedelta(minutes=50 * index)
        updates.append({
            "id": new_id(), "incident_id": incident_id, "affected_components": None,
            "body": f"Scheduled maintenance: {status.replace('_', ' ')}.", "created_at": at,
            "custom_tweet": None, "deliver_notifications": True, "display_at": at,
            "status": status, "tweet_id": None, "twitter_updated_at": None,
            "updated_at": at, "wants_twitter_update": False})
    obj = _incident_object(incident_id, data, hit, updates[0]["created_at"], updates,
                           "maintenance", steps[-1], None,
                           updates[-1]["created_at"] if end <= now else None,
                           name=f"Maintenance of {hit[0]['name']}", postmortem_body=None,
                           postmortem_at=None, published=False)
    obj.update(scheduled_for=start, scheduled_until=end, scheduled_auto_in_progress=True,
               scheduled_auto_completed=True, scheduled_remind_prior=True,
               auto_transition_to_maintenance_state=True,
               auto_transition_to_operational_state=True)
    return obj


def _incident_object(incident_id: str, data: Dataset, hit: list[Obj], started: datetime,
                     updates: list[Obj], impact: str, status: str,
                     monitoring_at: datetime | None, resolved: datetime | None, *, name: str,
                     postmortem_body: str | None, postmortem_at: datetime | None,
                     published: bool) -> Obj:
    """Key order of port-labs' 2024 Manage API incident (statuspage-compat.md 1.11), with
    `started_at` where the read side has it."""
    return {
        "id": incident_id, "components": [dict(c) for c in hit],
        "created_at": updates[0]["created_at"], "impact": impact, "impact_override": None,
        "incident_updates": list(reversed(updates)), "metadata": {},
        "monitoring_at": monitoring_at, "name": name, "page_id": data.page["id"],
        "postmortem_body": postmortem_body, "postmortem_body_last_updated_at": postmortem_at,
        "postmortem_ignored": False, "postmortem_notified_subscribers": published,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": postmortem_at if published else None,
        "resolved_at": resolved, "scheduled_auto_completed": False,
        "scheduled_auto_in_progress": False, "scheduled_for": None,
        "auto_transition_deliver_notifications_at_end": None,
        "auto_transition_deliver_notifications_at_start": None,
        "auto_transition_to_maintenance_state": None,
        "auto_transition_to_operational_state": None, "scheduled_remind_prior": False,
        "scheduled_reminded_at": None, "scheduled_until": None,
        "shortlink": f"https://stspg.io/{incident_id}", "started_at": started,
        "status": status, "updated_at": postmortem_at or updates[-1]["updated_at"],
        "reminder_intervals": None,
    }


def _display_name(data: Dataset, component: Obj) -> str:
    """"Group - Component" for a grouped component, as affected_components names it."""
    group = next((g for g in data.groups if g["id"] == component["group_id"]), None)
    return f"{group['name']} - {component['name']}" if group else component["name"]


def _subscribers(data: Dataset, rng: random.Random, new_id: _Ids, count: int,
                 now: datetime) -> None:
    """70% email, 20% SMS, 10% webhook; 2% unsubscribed, 1% quarantined, 1% unconfirmed;
    a third chose components. Ten SMS numbers are German (outside the default SMS
    countries), and ten Slack subscribers have no address the import can use."""
    sms = 0
    for number in range(count + 10):
        mode = "slack" if number >= count else rng.choices(
            ("email", "sms", "webhook"), (70, 20, 10))[0]
        created = now - timedelta(days=rng.randint(1, 800), seconds=rng.randint(0, 86_399))
        subscriber: Obj = {
            "id": new_id(), "skip_confirmation_notification": False, "mode": mode,
            "email": None, "endpoint": None, "phone_number": None, "phone_country": None,
            "display_phone_number": None, "obfuscated_channel_name": None,
            "workspace_name": None, "quarantined_at": None, "purge_at": None,
            "components": None, "page_access_user_id": None, "created_at": created}
        if mode == "email" or mode == "webhook":
            subscriber["email"] = f"person{number}@example{number % 97}.com"
        if mode == "webhook":
            subscriber["endpoint"] = f"https://hooks{number % 50}.example.net/status/{number}"
        if mode == "sms":
            _phone(subscriber, sms)
            sms += 1
        if mode == "slack":
            subscriber.update(obfuscated_channel_name="#*******us", workspace_name="Acme")
        if rng.random() < 0.33:
            chosen = rng.sample(data.components, rng.randint(1, min(4, len(data.components))))
            subscriber["components"] = [c["id"] for c in chosen]
        roll = rng.random()
        state = ("unsubscribed" if roll < 0.02 else "quarantined" if roll < 0.03
                 else "unconfirmed" if roll < 0.04 else "active")
        if state == "quarantined":
            subscriber["quarantined_at"] = now - timedelta(days=3)
            subscriber["purge_at"] = now + timedelta(days=27)
        data.subscribers.append(subscriber)
        data.states[subscriber["id"]] = state


def _phone(subscriber: Obj, number: int) -> None:
    """The number-th SMS subscriber's number: fictional US 555-01xx numbers, unique up to
    100 per area code, and every 400th a German mobile number."""
    if number % 400 == 7:
        subscriber.update(phone_number=f"1512 34{number:05d}", phone_country="DE",
                          display_phone_number=f"+49 1512 34{number:05d}")
        return
    area = AREA_CODES[number % len(AREA_CODES)]
    line = f"01{(number // len(AREA_CODES)) % 100:02d}"
    subscriber.update(phone_number=f"{area}-555-{line}", phone_country="US",
                      display_phone_number=f"+1 ({area}) 555-{line}")
