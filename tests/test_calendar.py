"""`/maintenance.ics` and `/incidents/<id>.ics`, parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask.testing import FlaskClient
from icalendar import Calendar

from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.maintenance import start_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident
from tests.factories import Factory


def _events(client: FlaskClient, path: str = "/maintenance.ics") -> dict[str, dict]:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def _base() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def _uid(maintenance: Incident) -> str:
    return f"maintenance-{maintenance.public_id}@{urlsplit(_base()).hostname}"


def test_feed_lists_upcoming_and_in_progress_maintenance_only(
    client: FlaskClient, factory: Factory
) -> None:
    upcoming = factory.maintenance("Upcoming work", starts_in=timedelta(days=2))
    running = factory.maintenance("Running work", starts_in=timedelta(hours=-1))
    start_maintenance(running, "Under way.", None)
    done = factory.maintenance("Done work", starts_in=timedelta(days=-3))
    start_maintenance(done, "", None)
    resolve_incident(done, "Finished.", None)
    factory.incident("An outage")

    events = _events(client)

    assert set(events) == {_uid(upcoming), _uid(running)}
    assert str(events[_uid(upcoming)]["SUMMARY"]) == "Upcoming work"
    assert all(str(e["STATUS"]) == "CONFIRMED" for e in events.values())


def test_event_times_are_the_window_in_utc(client: FlaskClient, factory: Factory) -> None:
    work = factory.maintenance(starts_in=timedelta(days=1), length=timedelta(hours=3))

    event = _events(client)[_uid(work)]

    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start.utcoffset() == timedelta(0) and end.utcoffset() == timedelta(0)
    assert work.scheduled_for is not None and work.scheduled_until is not None
    assert start == work.scheduled_for.replace(microsecond=0)
    assert end == work.scheduled_until.replace(microsecond=0)
    assert b"DTSTART:" in event.to_ical() and b"Z\r\n" in event.to_ical()
    assert start.astimezone(UTC) == start


def test_uid_is_stable_and_sequence_grows_with_updates(
    client: FlaskClient, factory: Factory
) -> None:
    work = factory.maintenance(body="We **upgrade** the database.")
    before = _events(client)[_uid(work)]
    post_update(work, UpdateInput(status="scheduled", body="Moved to a [new](https://x.test) "
                                  "plan."), None)

    after = _events(client)[_uid(work)]

    assert int(before["SEQUENCE"]) == 0 and int(after["SEQUENCE"]) == 1
    assert str(before["DESCRIPTION"]) == "We upgrade the database."
    assert "Moved to a new (https://x.test) plan." in str(after["DESCRIPTION"])  # text
    assert "**" not in str(after["DESCRIPTION"]) and "<" not in str(after["DESCRIPTION"])
    assert str(after["URL"]) == f"{_base()}/incidents/{work.public_id}"


def test_internal_updates_stay_out_of_the_calendar(client: FlaskClient, factory: Factory
                                                   ) -> None:
    work = factory.maintenance(body="Public words.")
    post_update(work, UpdateInput(status="scheduled", body="Secret plan.",
                                  visibility="internal"), None)

    event = _events(client)[_uid(work)]

    assert str(event["DESCRIPTION"]) == "Public words."
    assert int(event["SEQUENCE"]) == 0


def test_cancelled_window_is_sent_as_cancelled_until_it_would_have_ended(
    client: FlaskClient, factory: Factory
) -> None:
    work = factory.maintenance(starts_in=timedelta(days=1))
    resolve_incident(work, "Cancelled: not needed after all.", None)

    event = _events(client)[_uid(work)]

    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1


def test_per_maintenance_calendar_is_a_download_of_one_event(
    client: FlaskClient, factory: Factory
) -> None:
    work = factory.maintenance("Router swap")
    factory.maintenance("Other work")

    response = client.get(f"/incidents/{work.public_id}.ics")
    events = _events(client, f"/incidents/{work.public_id}.ics")

    assert "attachment" in response.headers["Content-Disposition"]
    assert list(events) == [_uid(work)]
    assert str(events[_uid(work)]["SUMMARY"]) == "Router swap"


def test_per_incident_calendar_is_only_for_maintenance(client: FlaskClient, factory: Factory
                                                       ) -> None:
    incident = factory.incident()

    assert client.get(f"/incidents/{incident.public_id}.ics").status_code == 404
    assert client.get("/incidents/nothere.ics").status_code == 404


def test_maintenance_page_links_to_its_calendar_file(client: FlaskClient, factory: Factory
                                                     ) -> None:
    work = factory.maintenance()
    incident = factory.incident()

    html = client.get(f"/incidents/{work.public_id}").get_data(as_text=True)
    incident_html = client.get(f"/incidents/{incident.public_id}").get_data(as_text=True)

    assert f'href="/incidents/{work.public_id}.ics"' in html
    assert "Add to calendar" in html
    assert ".ics" not in incident_html


def test_calendar_is_cached_with_an_etag(client: FlaskClient, factory: Factory) -> None:
    factory.maintenance()
    first = client.get("/maintenance.ics")

    again = client.get("/maintenance.ics", headers={"If-None-Match": first.headers["ETag"]})

    assert again.status_code == 304
