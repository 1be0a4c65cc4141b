"""`flask import-statuspage` run again, dry, without a key, with a bad key, and the old
permalinks (issue 14); a small generated page each."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents.templates import render_text
from statuspage.migration.subscribers import STATUSPAGE
from statuspage.models import (
    Component,
    Incident,
    IncidentUpdate,
    MessageTemplate,
    StatuspageLink,
    Subscriber,
    utcnow,
)
from tests.fakes.statuspage import API_KEY, FakeStatuspage
from tests.statuspage_data import generate
from tests.statuspage_import_support import cli, count, nothing_sent, row_counts, run_import


def _small() -> object:
    return generate(components=8, incidents=20, subscribers=120, maintenances=5, templates=8)


def _incident(public_id: str) -> Incident:
    return db.session.execute(select(Incident).filter_by(public_id=public_id)).scalar_one()


def test_a_second_run_updates_what_changed_at_statuspage_and_adds_nothing_twice(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=8, incidents=20, subscribers=120, maintenances=5)
    fake_statuspage.serve(data)
    run_import(fake_statuspage)
    before = row_counts()

    # Meanwhile at Statuspage: an incident renamed and given one more update, another's
    # first update deleted, a component degraded, a template edited, one subscriber left,
    # another quarantined, one new, and one changed their components.
    renamed, trimmed = [i for i in data.incidents if not i["scheduled_for"]][3:6:2]
    renamed["name"] = "Renamed at Statuspage"
    later = renamed["incident_updates"][0]["created_at"] + timedelta(minutes=30)
    renamed["incident_updates"].insert(0, {
        **renamed["incident_updates"][0], "id": "newupdate001", "body": "One more thing.",
        "created_at": later, "updated_at": later, "display_at": later})
    dropped = trimmed["incident_updates"].pop()
    data.components[0]["status"] = "partial_outage"
    moved, old_group, new_group = data.components[1], data.groups[1], data.groups[2]
    assert moved["group_id"] == old_group["id"]
    moved["group_id"] = new_group["id"]
    old_group["components"].remove(moved["id"])
    new_group["components"].append(moved["id"])
    data.templates[0]["body"] = "Edited at Statuspage."
    active = [s for s in data.subscribers
              if data.states[s["id"]] == "active" and s["mode"] == "email"]
    data.states[active[0]["id"]] = "unsubscribed"
    data.states[active[1]["id"]] = "quarantined"
    active[2]["components"] = [data.components[1]["id"]]
    data.subscribers.append({**active[3], "id": "newsubscr001", "email": "new@example.org"})
    data.states["newsubscr001"] = "active"

    report, _ = run_import(fake_statuspage)
    assert report.tally("incidents").updated == 2
    assert report.tally("updates").created == 1
    assert report.tally("components").updated == 2
    assert report.tally("groups").updated == 2
    assert report.tally("templates").updated == 1
    assert report.tally("subscribers").created == 1
    assert report.tally("subscribers").updated == 3
    after = row_counts()
    assert after["Incident"] == before["Incident"]
    assert after["IncidentUpdate"] == before["IncidentUpdate"]  # one added, one removed
    assert after["Subscriber"] == before["Subscriber"] + 1

    incident = _incident(renamed["id"])
    assert incident.name == "Renamed at Statuspage"
    assert incident.updates[0].public_id == "newupdate001"
    assert dropped["id"] not in {u.public_id for u in _incident(trimmed["id"]).updates}
    component = db.session.execute(select(Component).filter_by(
        public_id=data.components[0]["id"])).scalar_one()
    assert component.status == "partial_outage"
    assert component.group is not None and component.group.status == "partial_outage"
    regrouped = db.session.execute(select(Component).filter_by(public_id=moved["id"])).scalar_one()
    assert regrouped.group is not None and regrouped.group.public_id == new_group["id"]
    template = db.session.execute(select(MessageTemplate).filter_by(
        public_id=data.templates[0]["id"])).scalar_one()
    assert template.body == "Edited at Statuspage."
    subscribers = {s.public_id: s for s in db.session.execute(select(Subscriber)).scalars()}
    assert subscribers[active[0]["id"]].state == "unsubscribed"
    assert subscribers[active[1]["id"]].state == "suppressed"
    assert [c.public_id for c in subscribers[active[2]["id"]].components] == [
        data.components[1]["id"]]
    assert subscribers["newsubscr001"].state == "active"
    assert nothing_sent()

    # Back at Statuspage the quarantined one is reactivated: an opt-out here stays.
    data.states[active[1]["id"]] = "active"
    run_import(fake_statuspage)
    db.session.expire_all()
    assert db.session.get(Subscriber, subscribers[active[1]["id"]].id).state == "suppressed"


def test_a_dry_run_prints_what_it_would_do_and_writes_nothing(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=8, incidents=20, subscribers=120, maintenances=5)
    fake_statuspage.serve(data)
    result = cli(app, fake_statuspage, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: nothing was written." in result.stdout
    lines = {line.split()[0]: line.split()[1:] for line in result.stdout.splitlines()
             if line.split() and line.split()[0] in ("components", "incidents", "templates")}
    assert lines["components"] == ["8", "0", "0", "0"]
    assert lines["incidents"] == ["20", "0", "0", "0"]
    assert lines["templates"] == ["8", "0", "0", "0"]
    assert row_counts() == dict.fromkeys(row_counts(), 0)

    assert cli(app, fake_statuspage).exit_code == 0
    before = row_counts()
    changed = next(i for i in data.incidents if not i["scheduled_for"])
    changed["name"] = "Changed"
    again = cli(app, fake_statuspage, "--dry-run")
    assert "incidents            0        1         19        0" in again.stdout
    assert row_counts() == before
    assert _incident(changed["id"]).name != "Changed"


def test_the_cli_shows_progress_on_stderr_and_the_report_on_stdout(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    fake_statuspage.serve(generate(components=4, incidents=6, subscribers=30, maintenances=2))
    result = cli(app, fake_statuspage)
    assert result.exit_code == 0, result.stderr
    assert "Incidents and maintenances" in result.stderr and "Subscribers" in result.stderr
    assert "Nothing was sent to anyone." in result.stdout
    assert "Reading" not in result.stdout
    assert count(Incident) == 8


def test_a_page_without_a_key_comes_from_its_public_api(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=8, incidents=70, subscribers=20, maintenances=5)
    fake_statuspage.serve(data)
    result = cli(app, fake_statuspage, key=None)
    assert result.exit_code == 0, result.output
    assert "public API, no key" in result.output
    assert not any("Authorization" in r.headers for r in fake_statuspage.requests)
    assert {r.path for r in fake_statuspage.requests} == {
        "/api/v2/summary.json", "/api/v2/incidents.json", "/api/v2/scheduled-maintenances.json"}
    assert count(Component, Component.is_group) == 5
    assert count(Component, Component.is_group.is_(False)) == 8
    # The 50 most recent incidents (the open ones among them) and every maintenance listed.
    assert count(Incident, Incident.kind == "incident") == 50
    assert count(Incident, Incident.kind == "maintenance") == 5
    assert count(Subscriber) == count(MessageTemplate) == 0
    newest = data.incidents[0]
    incident = _incident(newest["id"])
    assert [u.public_id for u in incident.updates] == [
        u["id"] for u in newest["incident_updates"]]
    assert incident.started_at == newest["started_at"]
    assert nothing_sent()
    # Run again: nothing new.
    before = row_counts()
    assert cli(app, fake_statuspage, key=None).exit_code == 0
    assert row_counts() == before


def test_a_wrong_page_id_without_a_key_is_refused(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    fake_statuspage.serve(generate(components=3, incidents=2, subscribers=5, maintenances=1))
    result = app.test_cli_runner().invoke(args=[
        "import-statuspage", "--page-id", "notthispage1", "--base-url", fake_statuspage.url])
    assert result.exit_code == 1
    assert "is '" in result.output and "not 'notthispage1'" in result.output
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_a_bad_key_stops_with_a_clear_error_and_nothing_written(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    fake_statuspage.serve(_small())  # type: ignore[arg-type]
    result = cli(app, fake_statuspage, key="not-the-key")
    assert result.exit_code == 1
    assert "Statuspage refused the API key (HTTP 401: Could not authenticate)" in result.output
    assert "Nothing was imported." in result.output
    assert "not-the-key" not in result.output
    assert row_counts() == dict.fromkeys(row_counts(), 0)
    assert [r.answer_status for r in fake_statuspage.requests] == [401]
    assert fake_statuspage.requests[0].headers["Authorization"] == "OAuth not-the-key"


def test_an_unknown_page_stops_with_a_clear_error(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    fake_statuspage.serve(_small())  # type: ignore[arg-type]
    result = app.test_cli_runner().invoke(args=[
        "import-statuspage", "--page-id", "nosuchpage12", "--api-key", API_KEY,
        "--base-url", f"{fake_statuspage.url}/v1"])
    assert result.exit_code == 1
    assert "HTTP 404" in result.output and "--page-id" in result.output


def test_an_id_that_cannot_be_kept_gets_a_new_one_and_its_old_permalink_redirects(
        app: Flask, client: FlaskClient, fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=4, incidents=5, subscribers=10, maintenances=1)
    legacy = data.incidents[2]
    legacy["id"] = "Legacy-Incident-0042"  # not our shape (a constructed case)
    for update in legacy["incident_updates"]:
        update["incident_id"] = legacy["id"]
    fake_statuspage.serve(data)
    report, _ = run_import(fake_statuspage)
    assert report.redirected == 1

    link = db.session.execute(select(StatuspageLink).filter_by(
        kind="incident", source_id=legacy["id"])).scalar_one()
    moved = db.session.get(Incident, link.local_id)
    assert moved is not None and moved.public_id != legacy["id"] and len(moved.public_id) == 12
    answer = client.get(f"/incidents/{legacy['id']}")
    assert answer.status_code == 301
    assert answer.headers["Location"].endswith(f"/incidents/{moved.public_id}")
    assert client.get(answer.headers["Location"]).status_code == 200
    kept = data.incidents[0]["id"]
    assert client.get(f"/incidents/{kept}").status_code == 200
    assert client.get("/incidents/nosuchincide").status_code == 404


def test_templates_keep_statuspage_text_literal_and_get_a_free_name(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    db.session.add(MessageTemplate(phase="investigating", name="Investigating (1)",
                                   title="Ours", body="Our own text."))
    db.session.commit()
    data = generate(components=3, incidents=2, subscribers=5, maintenances=1)
    fake_statuspage.serve(data)
    run_import(fake_statuspage)
    source = data.templates[0]
    template = db.session.execute(select(MessageTemplate).filter_by(
        public_id=source["id"])).scalar_one()
    assert template.name == "Investigating (1) (Statuspage)"
    assert template.phase == "investigating"
    assert render_text(template.title, {}) == source["title"]  # "{maybe}" stays text
    phases = {t.public_id: t.phase for t in db.session.execute(select(MessageTemplate)).scalars()}
    assert phases[data.templates[4]["id"]] == "maintenance_scheduled"
    assert phases[data.templates[7]["id"]] == "investigating"  # no update_status
    assert count(IncidentUpdate) > 0


def test_the_cli_refuses_a_page_id_or_url_it_cannot_use(app: Flask) -> None:
    runner = app.test_cli_runner()
    bad_id = runner.invoke(args=["import-statuspage", "--page-id", "../../pages"])
    assert bad_id.exit_code == 2 and "--page-id" in bad_id.output
    bad_url = runner.invoke(args=["import-statuspage", "--page-id", "kctbh9vrtdwd",
                                  "--base-url", "ftp://example.com"])
    assert bad_url.exit_code == 2 and "--base-url" in bad_url.output
    assert row_counts() == dict.fromkeys(row_counts(), 0)


def test_an_address_already_subscribed_here_keeps_its_record(
        app: Flask, fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=3, incidents=2, subscribers=60, maintenances=1)
    emails = [s for s in data.subscribers
              if s["mode"] == "email" and data.states[s["id"]] == "active"]
    mine, pending, left = (Subscriber(channel="email", address=s["email"], language="nb",
                                      consent_source="page") for s in emails[:3])
    mine.confirmed_at = pending.consent_at = utcnow() - timedelta(days=9)
    left.confirmed_at = left.unsubscribed_at = utcnow() - timedelta(days=2)
    db.session.add_all([mine, pending, left])
    db.session.commit()
    fake_statuspage.serve(data)

    report, _ = run_import(fake_statuspage)
    assert report.matched_subscribers == 3
    assert any("3 of the subscribers are already subscribed here" in line
               for line in report.lines())
    db.session.expire_all()
    assert (mine.state, mine.consent_source, mine.language) == ("active", "page", "nb")
    assert (pending.state, pending.consent_source) == ("active", STATUSPAGE)
    assert left.state == "unsubscribed"
    links = {link.source_id: link.local_id for link in db.session.execute(
        select(StatuspageLink).filter_by(kind="subscriber")).scalars()}
    assert [links[s["id"]] for s in emails[:3]] == [mine.id, pending.id, left.id]
    assert count(Subscriber, Subscriber.address == emails[0]["email"]) == 1
