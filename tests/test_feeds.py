"""/history.rss and /history.atom match Statuspage's feeds, as real readers parse them.

The reference shapes are the captures in ../shared/fixtures/statuspage/ (Staffbase's RSS and
GitHub's Atom); the markup checks use the regular expression mrshu/github-statuses applies to
the XML text of each entry.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from flask.testing import FlaskClient
from lxml import etree

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident
from statuspage.page.record import get_page, touch_page
from tests.factories import Factory

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "statuspage"
STAFFBASE_RSS = FIXTURES / "kobsio-kobs__staffbase-history-rss__2021-12.xml"
GITHUB_ATOM = FIXTURES / "mrshu-github-statuses__githubstatus-history-atom__2025-05-23.atom"
needs_fixtures = pytest.mark.skipif(
    not FIXTURES.is_dir(), reason=f"Statuspage captures not found at {FIXTURES}"
)

A = "{http://www.w3.org/2005/Atom}"
BASE = "https://status.example.com"
# mrshu/github-statuses' pattern for an update's date line.
SMALL_RE = re.compile(
    r"<small>(\w{3}) <var data-var='date'>\s?(\d{1,2})</var>, "
    r"<var data-var='time'>(\d{2}:\d{2})</var> UTC</small>"
)
STRONG_RE = re.compile(r"<strong>([^<]+)</strong>")
T0 = datetime(2024, 10, 8, 9, 5, tzinfo=UTC)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _incident_lifecycle(factory: Factory, resolve: bool = True) -> Incident:
    """Investigating -> same status again -> identified (+ an internal note) -> resolved."""
    incident = factory.incident(name="API errors", body="We are investigating.", started_at=T0)
    post_update(incident, UpdateInput(status="investigating", body="Still looking.",
                                      display_at=_at(30)), None)
    post_update(incident, UpdateInput(status="identified", body="Found a bad deploy.",
                                      display_at=_at(60)), None)
    post_update(incident, UpdateInput(status="monitoring", body="secret internal note",
                                      visibility="internal", display_at=_at(70)), None)
    if resolve:
        resolve_incident(incident, "All fixed.", None, display_at=_at(120))
    return incident


def _maintenance(start: datetime, end: datetime, scheduled_at: datetime,
                 name: str = "Database upgrade") -> Incident:
    maintenance = schedule_maintenance(MaintenanceInput(
        name=name, scheduled_for=start, scheduled_until=end, body="Planned work.",
    ), None)
    # The "scheduled" update is stamped with the real clock; date it like the rest of the
    # story so the trail's order is deterministic.
    maintenance.updates[0].display_at = scheduled_at
    touch_page()
    db.session.commit()
    return maintenance


def _maintenance_lifecycle() -> Incident:
    """Scheduled -> in progress -> completed, for a window spanning two days."""
    maintenance = _maintenance(datetime(2024, 10, 20, 16, 30, tzinfo=UTC),
                               datetime(2024, 10, 21, 16, 30, tzinfo=UTC),
                               scheduled_at=datetime(2024, 10, 15, 12, 0, tzinfo=UTC))
    post_update(maintenance, UpdateInput(status="in_progress", body="Started.",
                                         display_at=datetime(2024, 10, 20, 16, 31, tzinfo=UTC)),
                None)
    resolve_incident(maintenance, "Done.", None,
                     display_at=datetime(2024, 10, 21, 16, 2, tzinfo=UTC))
    return maintenance


def _xml(client: FlaskClient, path: str) -> etree._Element:
    response = client.get(path)
    assert response.status_code == 200
    return etree.fromstring(response.data)


def _rss_items(client: FlaskClient) -> list[dict[str, str]]:
    channel = _xml(client, "/history.rss").find("channel")
    assert channel is not None
    return [{child.tag: child.text or "" for child in item} for item in channel.iter("item")]


def _atom_entries(client: FlaskClient) -> list[etree._Element]:
    return _xml(client, "/history.atom").findall(f"{A}entry")


def _content(entry: etree._Element) -> str:
    return entry.findtext(f"{A}content") or ""


def _by_title(items: list[dict[str, str]], title: str) -> dict[str, str]:
    return next(item for item in items if item["title"] == title)


def test_incident_trail_has_one_paragraph_per_public_update_newest_first(
    client: FlaskClient, factory: Factory
) -> None:
    _incident_lifecycle(factory)

    item = _rss_items(client)[0]
    rss, atom = item["description"], _content(_atom_entries(client)[0])

    assert rss == atom
    # An incident is dated by its latest public update and has no window end.
    assert item["pubDate"] == "Tue, 08 Oct 2024 11:05:00 +0000"
    assert "maintenanceEndDate" not in item
    assert rss == (
        "<p><small>Oct <var data-var='date'> 8</var>, <var data-var='time'>11:05</var> UTC"
        "</small><br><strong>Resolved</strong> - All fixed.</p>"
        "<p><small>Oct <var data-var='date'> 8</var>, <var data-var='time'>10:05</var> UTC"
        "</small><br><strong>Identified</strong> - Found a bad deploy.</p>"
        "<p><small>Oct <var data-var='date'> 8</var>, <var data-var='time'>09:35</var> UTC"
        "</small><br><strong>Update</strong> - Still looking.</p>"
        "<p><small>Oct <var data-var='date'> 8</var>, <var data-var='time'>09:05</var> UTC"
        "</small><br><strong>Investigating</strong> - We are investigating.</p>"
    )
    assert SMALL_RE.findall(rss) == [("Oct", "8", t) for t in ("11:05", "10:05", "09:35", "09:05")]
    assert STRONG_RE.findall(rss) == ["Resolved", "Identified", "Update", "Investigating"]
    assert "secret internal note" not in rss
    assert "Monitoring" not in rss


def test_resolved_label_appears_only_once_the_incident_is_resolved(
    client: FlaskClient, factory: Factory
) -> None:
    incident = _incident_lifecycle(factory, resolve=False)
    assert "<strong>Resolved</strong>" not in _content(_atom_entries(client)[0])
    assert STRONG_RE.findall(_by_title(_rss_items(client), "API errors")["description"])[0] == (
        "Identified"
    )

    resolve_incident(incident, "All fixed.", None, display_at=_at(120))

    assert "<strong>Resolved</strong>" in _content(_atom_entries(client)[0])
    assert "<strong>Resolved</strong>" in _by_title(_rss_items(client), "API errors")[
        "description"
    ]


def test_maintenance_item_starts_with_the_window_and_carries_its_end_date(
    client: FlaskClient,
) -> None:
    _maintenance_lifecycle()

    item = _by_title(_rss_items(client), "Database upgrade")
    assert item["description"] == (
        "<p><strong>THIS IS A SCHEDULED EVENT Oct <var data-var='date'>20</var>, "
        "<var data-var='time'>16:30</var> UTC &nbsp;-&nbsp; Oct <var data-var='date'>21</var>, "
        "<var data-var='time'>16:30</var> UTC</strong></p>"
        "<p><small>Oct <var data-var='date'>21</var>, <var data-var='time'>16:02</var> UTC"
        "</small><br><strong>Completed</strong> - Done.</p>"
        "<p><small>Oct <var data-var='date'>20</var>, <var data-var='time'>16:31</var> UTC"
        "</small><br><strong>In progress</strong> - Started.</p>"
        "<p><small>Oct <var data-var='date'>15</var>, <var data-var='time'>12:00</var> UTC"
        "</small><br><strong>Scheduled</strong> - Planned work.</p>"
    )
    assert item["pubDate"] == "Sun, 20 Oct 2024 16:30:00 +0000"
    assert item["maintenanceEndDate"] == "Mon, 21 Oct 2024 16:30:00 +0000"

    entry = _atom_entries(client)[0]
    assert _content(entry) == item["description"]
    assert entry.findtext(f"{A}published") == "2024-10-20T16:30:00Z"


def test_same_day_window_names_the_date_once(client: FlaskClient) -> None:
    _maintenance(datetime(2024, 10, 22, 16, 30, tzinfo=UTC),
                 datetime(2024, 10, 22, 18, 30, tzinfo=UTC),
                 scheduled_at=datetime(2024, 10, 15, 12, 0, tzinfo=UTC))

    description = _rss_items(client)[0]["description"]

    assert description.startswith(
        "<p><strong>THIS IS A SCHEDULED EVENT Oct <var data-var='date'>22</var>, "
        "<var data-var='time'>16:30</var> UTC &nbsp;-&nbsp; "
        "<var data-var='time'>18:30</var> UTC</strong></p>"
    )


def test_feeds_mix_incidents_and_maintenance_newest_first(
    client: FlaskClient, factory: Factory
) -> None:
    _incident_lifecycle(factory)  # started Oct 8
    _maintenance_lifecycle()  # window from Oct 20
    upcoming = factory.maintenance("Network upgrade", starts_in=timedelta(days=3))
    recent = factory.incident(name="Slow logins", started_at=datetime.now(UTC) - timedelta(hours=1))

    expected = ["Network upgrade", "Slow logins", "Database upgrade", "API errors"]
    assert [item["title"] for item in _rss_items(client)] == expected
    assert [e.findtext(f"{A}title") for e in _atom_entries(client)] == expected
    assert _rss_items(client)[0]["link"] == f"{BASE}/incidents/{upcoming.public_id}"
    assert _rss_items(client)[1]["guid"] == f"{BASE}/incidents/{recent.public_id}"


def test_feeds_list_the_25_most_recent(client: FlaskClient, factory: Factory) -> None:
    for n in range(30):
        factory.incident(name=f"Incident {n}", started_at=T0 + timedelta(hours=n))

    titles = [item["title"] for item in _rss_items(client)]
    entries = _atom_entries(client)

    assert titles == [f"Incident {n}" for n in range(29, 4, -1)]
    assert [e.findtext(f"{A}title") for e in entries] == titles


def test_item_ids_stay_the_same_across_regenerations(
    client: FlaskClient, factory: Factory
) -> None:
    incident = _incident_lifecycle(factory, resolve=False)
    before_rss = _rss_items(client)[0]["guid"]
    before_atom = _atom_entries(client)[0].findtext(f"{A}id")

    resolve_incident(incident, "All fixed.", None, display_at=_at(120))
    factory.incident(name="Another one", started_at=T0 - timedelta(days=1))

    assert _by_title(_rss_items(client), "API errors")["guid"] == before_rss
    entry = next(e for e in _atom_entries(client) if e.findtext(f"{A}title") == "API errors")
    assert entry.findtext(f"{A}id") == before_atom
    assert before_atom == f"tag:status.example.com,2005:Incident/{incident.id}"
    assert before_rss == f"{BASE}/incidents/{incident.public_id}"


def test_rss_channel_and_item_shape(client: FlaskClient, factory: Factory) -> None:
    _incident_lifecycle(factory)
    response = client.get("/history.rss")
    assert response.content_type == "application/rss+xml; charset=utf-8"
    root = etree.fromstring(response.data)
    channel = root.find("channel")
    assert channel is not None

    assert root.tag == "rss" and root.get("version") == "2.0"
    assert channel.findtext("title") == "Acme Status - Incident History"
    assert channel.findtext("link") == BASE
    assert channel.findtext("description") == "Statuspage"
    guid = channel.find("item/guid")
    assert guid is not None and guid.attrib == {}
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0 and parsed.version == "rss20"
    assert parsed.entries[0].link == parsed.entries[0].id


def test_atom_feed_shape(client: FlaskClient, factory: Factory) -> None:
    incident = _incident_lifecycle(factory)
    response = client.get("/history.atom")
    assert response.content_type == "application/atom+xml; charset=utf-8"
    root = etree.fromstring(response.data)

    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-US"
    assert root.findtext(f"{A}id") == "tag:status.example.com,2005:/history"
    links = [(ln.get("rel"), ln.get("type"), ln.get("href")) for ln in root.findall(f"{A}link")]
    assert links == [("alternate", "text/html", BASE),
                     ("self", "application/atom+xml", f"{BASE}/history.atom")]
    assert root.findtext(f"{A}title") == "Acme Status - Incident History"
    assert root.findtext(f"{A}author/{A}name") == "Acme"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", root.findtext(f"{A}updated") or "")
    entry = root.find(f"{A}entry")
    assert entry is not None
    assert entry.findtext(f"{A}published") == "2024-10-08T11:05:00Z"
    assert entry.findtext(f"{A}updated") == (
        incident.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    link = entry.find(f"{A}link")
    assert link is not None and link.attrib == {
        "rel": "alternate", "type": "text/html", "href": f"{BASE}/incidents/{incident.public_id}"
    }
    content = entry.find(f"{A}content")
    assert content is not None and content.get("type") == "html"
    parsed = feedparser.parse(response.data)
    assert parsed.bozo == 0 and parsed.version == "atom10"
    assert parsed.entries[0].published_parsed[:5] == (2024, 10, 8, 11, 5)


def test_page_time_zone_sets_labels_and_offsets(client: FlaskClient, factory: Factory) -> None:
    page = get_page()
    page.time_zone = "Europe/Oslo"
    db.session.commit()
    factory.incident(name="Winter", started_at=datetime(2024, 1, 5, 10, 30, tzinfo=UTC))
    factory.incident(name="Summer", started_at=datetime(2024, 7, 5, 10, 30, tzinfo=UTC))
    _maintenance(datetime(2024, 1, 6, 22, 0, tzinfo=UTC), datetime(2024, 1, 7, 1, 0, tzinfo=UTC),
                 scheduled_at=datetime(2024, 1, 2, 9, 0, tzinfo=UTC), name="Night work")

    channel = _xml(client, "/history.rss").find("channel")
    assert channel is not None
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0[12]00",
                        channel.findtext("pubDate") or "")
    items = _rss_items(client)
    winter, summer, night = (_by_title(items, t) for t in ("Winter", "Summer", "Night work"))
    assert winter["pubDate"] == "Fri, 05 Jan 2024 11:30:00 +0100"
    assert "<var data-var='time'>11:30</var> CET</small>" in winter["description"]
    assert summer["pubDate"] == "Fri, 05 Jul 2024 12:30:00 +0200"
    assert "<var data-var='time'>12:30</var> CEST</small>" in summer["description"]
    assert night["pubDate"] == "Sat, 06 Jan 2024 23:00:00 +0100"
    assert night["maintenanceEndDate"] == "Sun, 07 Jan 2024 02:00:00 +0100"
    assert night["description"].startswith(
        "<p><strong>THIS IS A SCHEDULED EVENT Jan <var data-var='date'> 6</var>, "
        "<var data-var='time'>23:00</var> CET &nbsp;-&nbsp; Jan <var data-var='date'> 7</var>, "
        "<var data-var='time'>02:00</var> CET</strong></p>"
    )
    # Atom stays in UTC whatever the page's zone.
    entry = next(e for e in _atom_entries(client) if e.findtext(f"{A}title") == "Winter")
    assert entry.findtext(f"{A}published") == "2024-01-05T10:30:00Z"


def test_feeds_are_served_from_the_cache_with_an_etag(
    client: FlaskClient, factory: Factory
) -> None:
    _incident_lifecycle(factory)
    for path in ("/history.rss", "/history.atom"):
        etag = client.get(path).headers["ETag"]
        assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
