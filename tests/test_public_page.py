"""The public status page, incident permalinks and history, through real HTTP requests."""

from __future__ import annotations

import re
from copy import deepcopy
from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.maintenance import start_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Component, utcnow
from statuspage.page.record import get_page, touch_page
from statuspage.public import front_presenter
from tests.factories import Factory

Html = lxml.html.HtmlElement


def get_html(client: FlaskClient, path: str, status: int = 200) -> Html:
    response = client.get(path)
    assert response.status_code == status, response.data[:500]
    return lxml.html.fromstring(response.get_data(as_text=True))


def text(node: Html) -> str:
    return " ".join(node.text_content().split())


def spoken(node: Html) -> str:
    """The text a screen reader announces: without aria-hidden decoration."""
    copy = deepcopy(node)
    for hidden in copy.xpath('.//*[@aria-hidden="true"]'):
        hidden.drop_tree()
    return text(copy)


def section(doc: Html, heading_id: str) -> Html | None:
    found = doc.xpath(f'//section[@aria-labelledby="{heading_id}"]')
    return found[0] if found else None


def banner(doc: Html) -> tuple[str, str]:
    """(indicator class, description) of the overall status banner."""
    node = section(doc, "page-status")
    assert node is not None
    indicator = next(c for c in node.get("class").split() if c.startswith("indicator-"))
    return indicator.removeprefix("indicator-"), text(node.xpath(".//h1")[0])


def component_status(doc: Html, name: str) -> str | None:
    for row in doc.xpath('//li[@class="component"]'):
        if text(row.xpath('.//*[@class="component-name"]')[0]) == name:
            return spoken(row.xpath('.//*[contains(@class, "status ")]')[0])
    return None


def facts(doc: Html) -> dict[str, str]:
    """The permalink's facts list as {term: description}."""
    return {text(d.xpath("dt")[0]): text(d.xpath("dd")[0])
            for d in doc.xpath('//dl[@class="facts"]/div')}


def update_labels(node: Html) -> list[str]:
    return [text(s) for s in node.xpath('.//*[@class="update-status"]')]


def set_page(**fields: object) -> None:
    page = get_page()
    for key, value in fields.items():
        setattr(page, key, value)
    touch_page()
    db.session.commit()


def test_incident_lifecycle_shows_on_front_page_and_permalink(
    client: FlaskClient, factory: Factory
) -> None:
    platform = factory.group("Platform")
    api = factory.component("API", group=platform)
    factory.component("Website")
    incident = factory.incident(name="Elevated API errors", severity="SEV2",
                                body="We are looking into errors.",
                                components={api: "major_outage"})

    doc = get_html(client, "/")
    assert banner(doc) == ("critical", "Major System Outage")
    assert component_status(doc, "API") == "Major Outage"
    assert component_status(doc, "Website") == "Operational"
    active = section(doc, "active-incidents")
    assert active is not None
    assert "Elevated API errors" in text(active)
    assert "We are looking into errors." in text(active)

    post_update(incident, UpdateInput(status="identified", body="A bad deploy.",
                                      component_statuses={api.id: "partial_outage"}), None)
    post_update(incident, UpdateInput(status="monitoring", body="Rolled back."), None)
    doc = get_html(client, "/")
    assert component_status(doc, "API") == "Partial Outage"
    active = section(doc, "active-incidents")
    assert update_labels(active) == ["Monitoring", "Identified", "Investigating"]
    assert "A bad deploy." in text(active) and "Rolled back." in text(active)

    resolve_incident(incident, "All fixed.", None)
    doc = get_html(client, "/")
    assert section(doc, "active-incidents") is None
    assert banner(doc) == ("none", "All Systems Operational")
    assert component_status(doc, "API") == "Operational"
    today = section(doc, f"day-{utcnow().date().isoformat()}")
    assert "Elevated API errors" in text(today) and "Resolved" in text(today)
    assert today.xpath(f'.//a[@href="/incidents/{incident.public_id}"]')

    permalink = get_html(client, f"/incidents/{incident.public_id}")
    assert text(permalink.xpath("//h1")[0]) == "Elevated API errors"
    assert facts(permalink) == {
        "Status": "Resolved",
        "Impact": "Major (SEV2)",
        "Started": text(permalink.xpath("//dt[.='Started']/../dd")[0]),
        "Resolved": text(permalink.xpath("//dt[.='Resolved']/../dd")[0]),
        "Affected components": "Platform - API",
    }
    assert update_labels(permalink) == ["Resolved", "Monitoring", "Identified", "Investigating"]
    assert "All fixed." in text(permalink)


def test_maintenance_lifecycle_upcoming_in_progress_completed(
    client: FlaskClient, factory: Factory
) -> None:
    database = factory.component("Database")
    maintenance = factory.maintenance(name="Database upgrade", starts_in=timedelta(days=1),
                                      components=[database], body="Planned upgrade.")

    doc = get_html(client, "/")
    upcoming = doc.get_element_by_id("upcoming-maintenance")
    assert "Database upgrade" in text(upcoming) and "Scheduled" in text(upcoming)
    stamps = upcoming.xpath('.//p[@class="window"]//time/@datetime')
    assert stamps == [maintenance.scheduled_for.isoformat(timespec="seconds"),
                      maintenance.scheduled_until.isoformat(timespec="seconds")]
    assert banner(doc) == ("none", "All Systems Operational")
    permalink = get_html(client, f"/incidents/{maintenance.public_id}")
    window = maintenance.scheduled_for.isoformat(timespec="seconds")
    assert permalink.xpath(f"//dt[.='Window']/../dd/time[@datetime='{window}']")
    assert text(permalink.xpath('//p[@class="kind"]')[0]) == "Scheduled maintenance"

    start_maintenance(maintenance, "Work has begun.", None)
    doc = get_html(client, "/")
    assert doc.xpath('//*[@id="upcoming-maintenance"]') == []
    active = doc.get_element_by_id("active-maintenance")
    assert "Database upgrade" in text(active) and "Work has begun." in text(active)
    assert component_status(doc, "Database") == "Under Maintenance"
    assert banner(doc) == ("maintenance", "Service Under Maintenance")

    resolve_incident(maintenance, "Done.", None)
    doc = get_html(client, "/")
    assert section(doc, "maintenance") is None
    assert component_status(doc, "Database") == "Operational"
    today = section(doc, f"day-{utcnow().date().isoformat()}")
    assert "Database upgrade" in text(today) and "Completed" in text(today)
    permalink = get_html(client, f"/incidents/{maintenance.public_id}")
    assert update_labels(permalink) == ["Completed", "In progress", "Scheduled"]


def test_internal_updates_are_never_public(client: FlaskClient, factory: Factory) -> None:
    api = factory.component("API")
    incident = factory.incident(name="Queue backlog", components={api: "degraded_performance"})
    post_update(incident, UpdateInput(status="identified", body="SECRET root cause: Bob",
                                      visibility="internal"), None)
    resolve_incident(incident, "Recovered.", None)

    for path in ("/", f"/incidents/{incident.public_id}", "/history"):
        html = client.get(path).get_data(as_text=True)
        assert "Queue backlog" in html
        assert "SECRET" not in html
    permalink = get_html(client, f"/incidents/{incident.public_id}")
    assert update_labels(permalink) == ["Resolved", "Investigating"]


XSS_TITLE = "<script>alert(1)</script><img src=x onerror=alert(1)>"
XSS_BODY = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))"


def assert_inert(html: str) -> None:
    """No live script, event handler or javascript: URL anywhere in the markup."""
    assert "<script>alert" not in html
    assert not re.search(r"<[^>]*\bonerror\s*=", html, re.IGNORECASE)
    assert not re.search(r"<[^>]*javascript:", html, re.IGNORECASE)
    doc = lxml.html.fromstring(html)
    # The only script is our own file (static/localtime.js); nothing inline.
    assert [s.get("src") for s in doc.xpath("//script")] == ["/static/localtime.js"]
    assert all(not (s.text or "").strip() for s in doc.xpath("//script"))
    for node in doc.iter():
        for name, value in node.attrib.items():
            assert not name.lower().startswith("on")
            assert "javascript:" not in value.lower()


def test_xss_payloads_in_titles_and_bodies_are_inert(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    incident = factory.incident(name=XSS_TITLE, body=XSS_BODY, components={api: "major_outage"})
    post_update(incident, UpdateInput(status="identified", body=XSS_BODY), None)
    maintenance = factory.maintenance(name=XSS_TITLE, body=XSS_BODY, components=[api])

    for path in ("/", f"/incidents/{incident.public_id}", f"/incidents/{maintenance.public_id}",
                 "/history"):
        html = client.get(path).get_data(as_text=True)
        assert_inert(html)
        # The title is shown, as text, not dropped.
        assert "<script>alert(1)</script>" in text(lxml.html.fromstring(html))


def test_times_are_in_the_page_zone_with_the_zone_named(
    client: FlaskClient, factory: Factory
) -> None:
    set_page(time_zone="America/New_York")
    started = (utcnow() - timedelta(hours=3)).replace(microsecond=0)
    incident = factory.incident(name="Slow logins", started_at=started)

    local = started.astimezone(ZoneInfo("America/New_York"))
    expected = f"{local:%b %d, %Y %H:%M} {local.tzname()}"
    assert local.tzname() in ("EST", "EDT")
    for path in ("/", f"/incidents/{incident.public_id}", "/history"):
        doc = get_html(client, path)
        stamps = doc.xpath(f'//time[@datetime="{started.isoformat()}"]')
        assert stamps, path
        assert all(text(t) == expected for t in stamps)
        assert "America/New_York" in text(doc.xpath("//footer")[0])


def heading_levels(doc: Html) -> list[int]:
    return [int(h.tag[1]) for h in doc.iter("h1", "h2", "h3", "h4", "h5", "h6")]


def test_pages_have_landmarks_one_h1_and_ordered_headings(
    client: FlaskClient, factory: Factory
) -> None:
    group = factory.group("Platform")
    api = factory.component("API", group=group)
    incident = factory.incident(components={api: "partial_outage"}, body="## Not a heading")
    factory.maintenance(components=[api])

    for path in ("/", f"/incidents/{incident.public_id}", "/history", "/incidents/missing"):
        response = client.get(path)
        doc = lxml.html.fromstring(response.get_data(as_text=True))
        for landmark in ("header", "main", "footer"):
            assert len(doc.xpath(f"//body/{landmark}")) == 1, (path, landmark)
        assert doc.xpath("//header//nav[@aria-label]"), path
        levels = heading_levels(doc)
        assert levels.count(1) == 1 and levels[0] == 1, path
        assert all(b <= a + 1 for a, b in pairwise(levels)), (path, levels)
        assert doc.xpath('//meta[@name="viewport"]')


def test_branding_uses_logo_and_accent_colour_and_refuses_injection(
    client: FlaskClient, factory: Factory
) -> None:
    set_page(name="Globex", logo_url="https://cdn.example.com/logo.png", accent_color="#ff6600")
    doc = get_html(client, "/")
    assert doc.xpath('//header//img[@src="https://cdn.example.com/logo.png"]')
    assert "Globex" in text(doc.xpath("//header")[0])
    # The accent comes from a stylesheet of its own: the CSP allows no inline <style>.
    assert not doc.xpath("//head/style")
    assert doc.xpath('//head/link[@rel="stylesheet"][@href="/theme.css?v=ff6600"]')
    assert "--accent: #ff6600;" in client.get("/theme.css?v=ff6600").get_data(as_text=True)

    set_page(logo_url="javascript:alert(1)", accent_color="red;x")
    html = client.get("/").get_data(as_text=True)
    assert_inert(html)
    assert "red;x" not in html
    assert "/theme.css?v=2563eb" in html
    assert "--accent: #2563eb;" in client.get("/theme.css").get_data(as_text=True)


def test_status_is_written_out_not_only_coloured(client: FlaskClient, factory: Factory) -> None:
    statuses = ["operational", "under_maintenance", "degraded_performance", "partial_outage",
                "major_outage"]
    for status in statuses:
        factory.component(f"C {status}", status=status)
    doc = get_html(client, "/")
    labels = ["Operational", "Under Maintenance", "Degraded Performance", "Partial Outage",
              "Major Outage"]
    for status, label in zip(statuses, labels, strict=True):
        assert component_status(doc, f"C {status}") == label
    icons = doc.xpath('//li[@class="component"]//*[@class="icon"]')
    assert len({text(i) for i in icons}) == 5  # a distinct shape per status, too


def test_only_show_if_degraded_components_hide_while_operational(
    client: FlaskClient, factory: Factory
) -> None:
    factory.component("Always shown")
    quiet = factory.component("Quiet worker", only_show_if_degraded=True)
    hidden_group = factory.group("Batch")
    batch = factory.component("Batch jobs", group=hidden_group, only_show_if_degraded=True)

    doc = get_html(client, "/")
    assert component_status(doc, "Always shown") == "Operational"
    assert component_status(doc, "Quiet worker") is None
    assert "Batch" not in text(section(doc, "components"))  # no empty group heading

    factory.incident(components={quiet: "degraded_performance", batch: "major_outage"})
    doc = get_html(client, "/")
    assert component_status(doc, "Quiet worker") == "Degraded Performance"
    assert component_status(doc, "Batch jobs") == "Major Outage"
    assert doc.xpath('//section[@class="component-group"]//h3[text()="Batch"]')


def _months_ago(count: int, zone: ZoneInfo) -> datetime:
    """Mid-month `count` calendar months ago, at noon local time, as UTC."""
    today = utcnow().astimezone(zone)
    index = today.year * 12 + today.month - 1 - count
    return datetime(index // 12, index % 12 + 1, 15, 12, tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _past_incident(factory: Factory, name: str, started: datetime,
                   component: Component | None = None) -> None:
    incident = factory.incident(name=name, started_at=started,
                                components={component: "major_outage"} if component else None)
    resolve_incident(incident, "Resolved.", None, display_at=started + timedelta(hours=1))


def test_history_is_grouped_by_month_and_paginated(client: FlaskClient, factory: Factory) -> None:
    utc = ZoneInfo("UTC")
    _past_incident(factory, "Recent outage", utcnow() - timedelta(minutes=90))
    _past_incident(factory, "Four months ago", _months_ago(4, utc))
    _past_incident(factory, "Seven months ago", _months_ago(7, utc))

    first = get_html(client, "/history")
    assert len(first.xpath('//section[@class="history-month"]')) == 3
    assert "Recent outage" in text(first) and "Four months ago" not in text(first)
    assert first.xpath('//nav[@aria-label="History pages"]//a[@rel="next"]/@href') == [
        "/history?page=2"]
    assert first.xpath('//a[@rel="prev"]') == []

    second = get_html(client, "/history?page=2")
    month = _months_ago(4, utc).strftime("%Y-%m")
    assert "Four months ago" in text(section(second, f"month-{month}"))
    assert "Recent outage" not in text(second) and "Seven months ago" not in text(second)
    assert second.xpath('//a[@rel="prev"]/@href') == ["/history"]
    assert second.xpath('//a[@rel="next"]/@href') == ["/history?page=3"]

    third = get_html(client, "/history?page=3")
    assert "Seven months ago" in text(third)
    assert third.xpath('//a[@rel="next"]') == []
    months = third.xpath('//section[@class="history-month"]//p[@class="empty"]')
    assert [text(m) for m in months] == ["No incidents reported this month."] * 2

    for bad in ("4", "0", "abc", "-1", "²"):
        assert client.get(f"/history?page={bad}").status_code == 404


def test_unknown_incident_is_a_404_error_page(client: FlaskClient, factory: Factory) -> None:
    get_page()
    db.session.commit()
    doc = get_html(client, "/incidents/doesnotexist", status=404)
    assert text(doc.xpath("//h1")[0]) == "404 Not Found"
    assert doc.xpath("//main") and doc.xpath('//a[@href="/"]')


def test_public_pages_answer_etag_revalidation(client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident()
    for path in ("/", f"/incidents/{incident.public_id}", "/history"):
        first = client.get(path)
        assert first.status_code == 200 and first.headers["ETag"]
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, path


def count_queries(app: Flask, client: FlaskClient, path: str) -> int:
    app.extensions["statuspage_cache"].clear()
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


@pytest.mark.parametrize("path", ["/", "/history"])
def test_query_count_does_not_grow_with_history(
    app: Flask, client: FlaskClient, factory: Factory, path: str
) -> None:
    components: list[Component] = [factory.component(f"C{n}") for n in range(3)]
    started = utcnow() - timedelta(days=2)
    factory.incident(name="Open now", components={components[0]: "partial_outage"})
    factory.maintenance(components=[components[1]])
    _past_incident(factory, "First", started, components[2])
    small = count_queries(app, client, path)
    for n in range(1, 16):
        _past_incident(factory, f"Old {n}", started - timedelta(days=n * 11), components[n % 3])
    assert count_queries(app, client, path) == small


def test_past_incidents_are_capped_and_the_cut_days_point_to_the_history(
    client: FlaskClient, factory: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(front_presenter, "RECENT_LIMIT", 3)
    # Yesterday noon (UTC, the page's zone): every incident and resolution in the past.
    now = (utcnow() - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)
    for n in range(2):
        _past_incident(factory, f"Today {n}", now - timedelta(minutes=10 * (n + 1)))
    for n in range(3):
        _past_incident(factory, f"Earlier {n}", now - timedelta(days=2, minutes=10 * (n + 1)))
    days = get_html(client, "/").xpath("//section[@class='history-day']")
    by_day = {day.xpath(".//time/@datetime")[0]: day for day in days}
    today, yesterday, two_ago, four_ago = (
        (now - timedelta(days=n)).date().isoformat() for n in (0, 1, 2, 4))
    assert len(by_day[today].xpath(".//li")) == 2 and "history" not in text(by_day[today])
    assert "No incidents reported." in text(by_day[yesterday])
    assert len(by_day[two_ago].xpath(".//li")) == 1  # the cap cut this day...
    assert by_day[two_ago].xpath(".//a[contains(., 'incident history')]/@href") == ["/history"]
    # ...and every older day: none of them claims to have had no incidents.
    assert "No incidents reported." not in text(by_day[four_ago])
    assert by_day[four_ago].xpath(".//a[contains(., 'incident history')]")


def test_a_busy_days_tooltip_names_three_incidents_and_counts_the_rest(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    day = (utcnow() - timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    for n in range(5):
        _past_incident(factory, f"Outage {n}", day + timedelta(minutes=10 * n), api)
    [tip] = get_html(client, "/").xpath(
        f"//li[contains(@class, 'day')][.//time[@datetime='{day.date().isoformat()}']]")
    names = [text(span) for span in tip.xpath(".//span[@class='tip-incident']")]
    assert len(names) == 4 and names[-1] == "; and 2 more"
    assert all(name.lstrip("; ").startswith("Outage") for name in names[:3])
