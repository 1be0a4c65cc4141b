"""Daily roll-ups and the 90-day uptime bars, from back-dated incidents to the rendered page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Component, ComponentDay, utcnow
from statuspage.page.record import get_page, touch_page
from statuspage.page.uptime import DAYS, uptime_bars
from tests.factories import Factory

UTC = ZoneInfo("UTC")
HOUR = 3600


def local_today(zone: ZoneInfo = UTC) -> date:
    return utcnow().astimezone(zone).date()


def at(day: date, hour: int, zone: ZoneInfo = UTC) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)


def set_time_zone(name: str) -> None:
    get_page().time_zone = name
    touch_page()
    db.session.commit()


def long_lived(factory: Factory, name: str) -> Component:
    """A component that has existed for longer than the bars reach back."""
    return factory.component(name, start_date=local_today() - timedelta(days=200))


def text(node: lxml.html.HtmlElement) -> str:
    return " ".join(node.text_content().split())


def day_cell(client: FlaskClient, component: str, day: date) -> lxml.html.HtmlElement:
    doc = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    bars = doc.xpath(f'//ol[@class="bar"][starts-with(@aria-label, "{component}:")]')
    assert len(bars) == 1
    cells = bars[0].xpath(f'./li[.//time[@datetime="{day.isoformat()}"]]')
    assert len(cells) == 1
    return cells[0]


def test_back_dated_incident_lands_on_the_right_days_with_its_worst_status(
    client: FlaskClient, factory: Factory
) -> None:
    api = long_lived(factory, "API")
    today = local_today()
    d5, d4, d3 = (today - timedelta(days=n) for n in (5, 4, 3))
    incident = factory.incident(name="API errors", components={api: "major_outage"},
                                started_at=at(d5, 10))
    post_update(incident, UpdateInput(status="identified", display_at=at(d4, 10),
                                      component_statuses={api.id: "partial_outage"}), None)
    resolve_incident(incident, "Fixed.", None, display_at=at(d3, 10))

    bar = uptime_bars([api], today)[api.id]
    assert len(bar.days) == DAYS and bar.days[-1].day == today
    by_day = {d.day: d for d in bar.days}
    assert by_day[d5].status == "major_outage" and by_day[d5].major_seconds == 14 * HOUR
    assert by_day[d4].status == "major_outage"
    assert (by_day[d4].major_seconds, by_day[d4].partial_seconds) == (10 * HOUR, 14 * HOUR)
    assert by_day[d3].status == "partial_outage" and by_day[d3].partial_seconds == 10 * HOUR
    for day in (d5, d4, d3):
        assert by_day[day].incidents == ["API errors"]
    # Resolving with a back-dated time clears the days it had covered while open.
    for n in range(3):
        later = by_day[today - timedelta(days=n)]
        assert (later.status, later.incidents) == ("operational", [])
    assert by_day[d5 - timedelta(days=1)].incidents == []

    cell = day_cell(client, "API", d4)
    assert "st-major_outage" in cell.get("class") and cell.get("tabindex") == "0"
    label = f"{d4:%b} {d4.day}, {d4.year}"
    assert text(cell) == f"{label}: Major Outage — API errors"
    assert text(day_cell(client, "API", d3)).endswith(": Partial Outage — API errors")
    assert text(day_cell(client, "API", today)).endswith(": Operational — No incidents")


def test_uptime_counts_major_fully_partial_at_30_percent_and_degraded_not_at_all(
    client: FlaskClient, factory: Factory
) -> None:
    api, web, docs = (long_lived(factory, n) for n in ("API", "Web", "Docs"))
    day = local_today() - timedelta(days=10)
    factory_incident = factory.incident(
        name="Outage", started_at=at(day, 0),
        components={api: "major_outage", web: "partial_outage", docs: "degraded_performance"})
    resolve_incident(factory_incident, "Fixed.", None, display_at=at(day, 12))

    bars = uptime_bars([api, web, docs], local_today())
    window = DAYS * 86_400
    assert bars[api.id].uptime_percent == round(100 * (1 - 12 * HOUR / window), 2)
    assert bars[web.id].uptime_percent == round(100 * (1 - 0.3 * 12 * HOUR / window), 2)
    assert bars[docs.id].uptime_percent == 100.0
    assert bars[docs.id].days[-11].status == "degraded_performance"

    doc = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    legends = [text(p) for p in doc.xpath('//p[@class="legend"]')]
    assert f"{bars[api.id].uptime_percent:g}% uptime" in legends[0]
    assert legends[0].startswith("90 days ago") and legends[0].endswith("Today")
    assert "100% uptime" in legends[2]


def test_overlapping_incidents_are_one_outage_not_two(factory: Factory) -> None:
    api = long_lived(factory, "API")
    day = local_today() - timedelta(days=2)
    for name in ("First report", "Duplicate report"):
        incident = factory.incident(name=name, started_at=at(day, 8),
                                    components={api: "major_outage"})
        resolve_incident(incident, "Fixed.", None, display_at=at(day, 10))

    bar = uptime_bars([api], local_today())[api.id]
    assert bar.days[-3].major_seconds == 2 * HOUR
    assert sorted(bar.days[-3].incidents) == ["Duplicate report", "First report"]
    assert bar.uptime_percent == round(100 * (1 - 2 * HOUR / (DAYS * 86_400)), 2)


def test_days_before_the_start_date_have_no_data_and_do_not_count(
    client: FlaskClient, factory: Factory
) -> None:
    today = local_today()
    young = factory.component("Young", start_date=today - timedelta(days=9))
    incident = factory.incident(name="Early trouble", started_at=at(today - timedelta(days=2), 0),
                                components={young: "major_outage"})
    resolve_incident(incident, "Fixed.", None, display_at=at(today - timedelta(days=2), 12))

    bar = uptime_bars([young], today)[young.id]
    assert [d.before_start for d in bar.days].count(False) == 10
    assert bar.uptime_percent == round(100 * (1 - 12 * HOUR / (10 * 86_400)), 2)

    before = day_cell(client, "Young", today - timedelta(days=10))
    assert "st-nodata" in before.get("class")
    assert "No data" in text(before)
    first_day = day_cell(client, "Young", today - timedelta(days=9))
    assert "st-operational" in first_day.get("class")


@pytest.mark.parametrize("zone_name", ["Asia/Tokyo", "America/Los_Angeles"])
def test_page_time_zone_moves_the_day_boundary(
    client: FlaskClient, factory: Factory, zone_name: str
) -> None:
    set_time_zone(zone_name)
    zone = ZoneInfo(zone_name)
    api = long_lived(factory, "API")
    # 23:00 to 23:30 UTC on one UTC day: another local day east or west of Greenwich.
    utc_day = utcnow().date() - timedelta(days=4)
    start = datetime.combine(utc_day, time(23), tzinfo=UTC)
    if zone_name == "America/Los_Angeles":
        start = datetime.combine(utc_day, time(3), tzinfo=UTC)  # evening of the day before
    incident = factory.incident(name="Night outage", started_at=start,
                                components={api: "major_outage"})
    resolve_incident(incident, "Fixed.", None, display_at=start + timedelta(minutes=30))

    local_day = start.astimezone(zone).date()
    assert local_day != utc_day
    rows = db.session.query(ComponentDay).filter_by(component_id=api.id).all()
    assert [(r.day, r.major_seconds) for r in rows] == [(local_day, 1800)]

    today = local_today(zone)
    bar = uptime_bars([api], today)[api.id]
    assert bar.days[-1].day == today
    assert {d.day for d in bar.days if d.incidents} == {local_day}
    assert "st-major_outage" in day_cell(client, "API", local_day).get("class")
    assert "st-operational" in day_cell(client, "API", utc_day).get("class")


def test_back_dated_incident_appears_on_history_under_its_month(
    client: FlaskClient, factory: Factory
) -> None:
    api = long_lived(factory, "API")
    started = at(local_today() - timedelta(days=40), 9)
    incident = factory.incident(name="Old storage fault", started_at=started,
                                components={api: "partial_outage"})
    resolve_incident(incident, "Fixed.", None, display_at=started + timedelta(hours=5))

    doc = lxml.html.fromstring(client.get("/history").get_data(as_text=True))
    month = doc.xpath(f'//section[@aria-labelledby="month-{started:%Y-%m}"]')
    assert len(month) == 1
    item = month[0].xpath('.//li[contains(@class, "history-item")]')[0]
    assert "Old storage fault" in text(item) and "Resolved" in text(item)
    assert item.xpath(f'.//time[@datetime="{started.isoformat()}"]')
    month_id = f"month-{started:%Y-%m}"
    others = doc.xpath(f'//section[@class="history-month"][@aria-labelledby!="{month_id}"]')
    assert others and all("Old storage fault" not in text(s) for s in others)
