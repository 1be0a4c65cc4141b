"""`flask import-statuspage` against a fake Statuspage serving a generated page (issue 14).

The big test imports the accepted size, 30 components, 500 incidents and 20,000 subscribers,
through the fake's paging and rate limiting, then again; the others use a small page.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import maintenance_automation
from statuspage.migration.subscribers import STATUSPAGE
from statuspage.models import (
    Component,
    ComponentDay,
    Incident,
    IncidentUpdate,
    MessageTemplate,
    StatuspageLink,
    Subscriber,
    utcnow,
)
from statuspage.models.incidents import MAINTENANCE
from tests.fakes.statuspage import FakeStatuspage
from tests.statuspage_data import Dataset, generate
from tests.statuspage_import_support import count, nothing_sent, row_counts, run_import


def _expected_subscribers(data: Dataset) -> dict[str, str]:
    """Source id -> state of every subscriber the import should bring in: email, SMS and
    webhook ones on the active, quarantined and unsubscribed lists, but the German numbers
    (outside the page's SMS countries). Unconfirmed ones are never read."""
    return {s["id"]: data.states[s["id"]] for s in data.subscribers
            if s["mode"] in ("email", "sms", "webhook") and data.states[s["id"]] in (
                "active", "quarantined", "unsubscribed") and s["phone_country"] != "DE"}


def test_a_large_page_imports_whole_through_paging_and_rate_limits_then_again_unchanged(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    if db.engine.dialect.name == "postgresql":
        # The full-size run is the SQLite pass's (a minute of CI's PostgreSQL pass); the
        # importer's other tests run on PostgreSQL there.
        pytest.skip("the full-size import runs in the SQLite pass")
    data = generate()  # 30 components, 500 incidents, 20,000 subscribers
    fake_statuspage.serve(data)
    fake_statuspage.throttle(every=25, retry_after="2")

    started, cpu = time.monotonic(), time.process_time()
    report, slept = run_import(fake_statuspage)
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    print(f"\nimport of 30 components, 500 incidents, 20,000 subscribers: {seconds:.1f} s "
          f"({cpu:.1f} s CPU in this process, the fake's serving included; "
          f"{db.engine.dialect.name}, {report.requests} requests)")

    # Rate limiting: 420 without Retry-After backed off, 429 waited for its Retry-After.
    throttled = Counter(r.answer_status for r in fake_statuspage.throttled)
    assert throttled[420] >= 4 and throttled[429] >= 4
    assert slept.count(2.0) >= throttled[429] and len(slept) == sum(throttled.values())
    # Paging: 100 a page, subscribers over 140 pages of email alone, incidents by limit.
    pages = [r.args for r in fake_statuspage.requests if r.answer_status == 200
             and r.path.endswith("/subscribers") and r.args.get("type") == ["email"]
             and r.args.get("state") == ["active"]]
    assert len(pages) > 130 and all(a["per_page"] == ["100"] for a in pages)
    assert [a["page"][0] for a in pages] == [str(n) for n in range(1, len(pages) + 1)]
    incident_pages = [r.args for r in fake_statuspage.requests if r.answer_status == 200
                      and r.path.endswith("/incidents")]
    assert [a["page"] for a in incident_pages] == [[str(n)] for n in range(1, 7)]
    assert all(a["limit"] == ["100"] for a in incident_pages)

    expected = _expected_subscribers(data)
    assert count(Component, Component.is_group) == 5
    assert count(Component, Component.is_group.is_(False)) == 30
    assert count(Incident, Incident.kind == "incident") == 500
    assert count(Incident, Incident.kind == MAINTENANCE) == 24
    assert count(IncidentUpdate) == sum(len(i["incident_updates"]) for i in data.incidents)
    assert count(MessageTemplate) == 8
    assert count(Subscriber) == len(expected) > 19_000
    assert report.tally("subscribers").created == len(expected)
    assert report.reasons[("subscribers", "slack subscribers have no address this page can "
                                          "use.")] == 10
    german = [s for s in data.subscribers if s["phone_country"] == "DE"
              and data.states[s["id"]] != "unconfirmed"]
    assert report.reasons[("subscribers", "(sms) We can only send text messages to numbers "
                           "in United States (+1), Canada (+1), United Kingdom (+44), Norway "
                           "(+47).")] == len(german) > 0
    assert nothing_sent()

    # Ids kept, so old permalinks and component codes still work.
    ids = set(db.session.execute(select(Incident.public_id)).scalars())
    assert ids == {i["id"] for i in data.incidents}
    assert set(db.session.execute(select(Component.public_id)).scalars()) == {
        c["id"] for c in data.components} | {g["id"] for g in data.groups}

    # Subscribers: confirmed with Statuspage's consent; left ones not active; choices kept.
    rows = {s.public_id: s for s in db.session.execute(select(Subscriber)).scalars()}
    assert set(rows) == set(expected)
    states = Counter(rows[i].state for i in expected)
    assert states == Counter({"active": list(expected.values()).count("active"),
                              "suppressed": list(expected.values()).count("quarantined"),
                              "unsubscribed": list(expected.values()).count("unsubscribed")})
    today = f"{utcnow():%Y-%m-%d}"
    source = {s["id"]: s for s in data.subscribers}
    for public_id, row in list(rows.items())[::500]:
        assert row.consent_source == STATUSPAGE
        assert row.consent_note == (f"Imported from Statuspage page {data.page['id']} on "
                                    f"{today}")
        assert row.consent_at == source[public_id]["created_at"]
        assert row.confirmed_at is not None
        assert sorted(c.public_id for c in row.components) == sorted(
            source[public_id]["components"] or [])
    sms = [s for s in rows.values() if s.channel == "sms"]
    assert sms and all(s.address.startswith("+1") for s in sms)

    # The maintenance automation carries on here, but owes nobody anything yet.
    assert maintenance_automation.run_due(utcnow()) == maintenance_automation.AutomationResult()
    assert count(ComponentDay) > 0
    assert nothing_sent()

    # A second run: all unchanged, nothing duplicated.
    before = row_counts()
    started = time.monotonic()
    again, _ = run_import(fake_statuspage)
    print(f"second, unchanged run: {time.monotonic() - started:.1f} s")
    assert row_counts() == before
    for kind in ("groups", "components", "incidents", "maintenances", "updates", "templates",
                 "subscribers"):
        tally = again.tally(kind)
        assert tally.created == tally.updated == 0 and tally.unchanged > 0, kind
    assert nothing_sent()


def test_imported_history_reads_back_from_our_api_as_statuspage_served_it(
        app: Flask, client: FlaskClient, fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=8, incidents=30, subscribers=50, maintenances=6)
    tagged = data.incidents[0]
    tagged["metadata"] = {"jira": {"issue_id": "OPS-1"}}
    fake_statuspage.serve(data)
    run_import(fake_statuspage)
    # `metadata` comes along, as the Manage API returns it (incidents.metadata).
    assert db.session.execute(select(Incident.api_metadata).filter_by(
        public_id=tagged["id"])).scalar_one() == {"jira": {"issue_id": "OPS-1"}}

    ours = client.get("/api/v2/incidents.json").get_json()["incidents"]
    theirs = {i["id"]: i for i in data.incidents}
    assert len(ours) == 30
    for incident in ours:
        source = theirs[incident["id"]]
        assert incident["name"] == source["name"]
        assert incident["status"] == source["status"]
        assert incident["impact"] == source["impact"]
        assert _instant(incident["started_at"]) == source["started_at"]
        assert _instant(incident["resolved_at"]) == source["resolved_at"]
        assert [(u["id"], u["status"], u["body"], _instant(u["display_at"]))
                for u in incident["incident_updates"]] == [
            (u["id"], u["status"], u["body"], u["display_at"])
            for u in source["incident_updates"]]
        for mine, theirs_update in zip(incident["incident_updates"],
                                       source["incident_updates"], strict=True):
            assert mine["affected_components"] == theirs_update["affected_components"]
    maintenances = client.get("/api/v2/scheduled-maintenances.json").get_json()
    windows = {m["id"]: m for m in maintenances["scheduled_maintenances"]}
    for source in (i for i in data.incidents if i["scheduled_for"]):
        assert _instant(windows[source["id"]]["scheduled_for"]) == source["scheduled_for"]
        assert windows[source["id"]]["impact"] == "maintenance"
    postmortems = [i for i in data.incidents if i["postmortem_published_at"]]
    assert postmortems
    for source in postmortems:
        incident = db.session.execute(select(Incident).filter_by(
            public_id=source["id"])).scalar_one()
        assert incident.postmortem_body == source["postmortem_body"]
        assert incident.postmortem_published_at == source["postmortem_published_at"]
        assert client.get(f"/incidents/{source['id']}").status_code == 200


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def test_links_record_each_imported_object_once(app: Flask,
                                                fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=6, incidents=10, subscribers=40, maintenances=4)
    fake_statuspage.serve(data)
    run_import(fake_statuspage)
    run_import(fake_statuspage)
    kinds = Counter(db.session.execute(select(StatuspageLink.kind)).scalars())
    assert kinds["component"] == 6 + 5
    assert kinds["incident"] == 14
    assert kinds["template"] == 8
    assert kinds["incident_update"] == count(IncidentUpdate)
    assert kinds["subscriber"] == count(Subscriber)
