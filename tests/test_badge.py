"""`/badge.svg`: the page's status as an SVG badge, escaped, coloured by status, cacheable."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.page.record import get_page, touch_page
from statuspage.public import badge
from statuspage.public.theme import contrast, text_on
from statuspage.web.cache_store import ResponseCache
from tests.factories import Factory

SVG = "{http://www.w3.org/2000/svg}"


def _set_page(**fields: object) -> None:
    page = get_page()
    for key, value in fields.items():
        setattr(page, key, value)
    touch_page()
    db.session.commit()


def _badge(client: FlaskClient) -> ElementTree.Element:
    response = client.get("/badge.svg")
    assert response.status_code == 200
    return ElementTree.fromstring(response.get_data())


def _texts(svg: ElementTree.Element) -> list[str]:
    return [t.text or "" for t in svg.iter(f"{SVG}text")]


def _value_fill(svg: ElementTree.Element) -> str:
    return [r.get("fill") for r in svg.iter(f"{SVG}rect") if r.get("fill")][-1] or ""


def test_badge_is_an_svg_image_with_the_page_name_and_status(
    client: FlaskClient, factory: Factory
) -> None:
    _set_page(name="Acme Cloud")
    factory.component("API")
    response = client.get("/badge.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = ElementTree.fromstring(response.get_data())
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    assert _texts(svg) == ["Acme Cloud", "All Systems Operational"]
    assert svg.findtext(f"{SVG}title") == "Acme Cloud: All Systems Operational"
    assert svg.get("aria-label") == "Acme Cloud: All Systems Operational"
    assert _value_fill(svg) == badge.FILLS["none"]


@pytest.mark.parametrize(("status", "indicator", "text"), [
    ("degraded_performance", "minor", "Partially Degraded Service"),
    ("partial_outage", "major", "Partial System Outage"),
    ("major_outage", "critical", "Major System Outage"),
    ("under_maintenance", "maintenance", "Service Under Maintenance"),
])
def test_badge_colour_and_text_follow_the_status(
    client: FlaskClient, factory: Factory, status: str, indicator: str, text: str
) -> None:
    factory.component("API", status=status)
    svg = _badge(client)
    assert _texts(svg)[1] == text
    assert _value_fill(svg) == badge.FILLS[indicator]


def test_badge_text_is_readable_on_every_fill() -> None:
    for fill in [*badge.FILLS.values(), badge.UNKNOWN_FILL, badge.LABEL_FILL]:
        assert contrast(text_on(fill), fill) >= 4.5, fill


def test_page_name_is_escaped_and_stays_text(client: FlaskClient, factory: Factory) -> None:
    name = '</text><script>x</script> & "Co" <b>'
    _set_page(name=name)
    response = client.get("/badge.svg")
    body = response.get_data(as_text=True)
    assert "<script" not in body and "<b>" not in body
    svg = ElementTree.fromstring(response.get_data())  # still well-formed XML
    assert not [e for e in svg.iter() if e.tag.endswith("script")]
    assert _texts(svg)[0] == name
    assert svg.get("aria-label", "").startswith(name)


def test_a_long_page_name_is_shortened_and_the_badge_grows_with_its_text() -> None:
    short = ElementTree.fromstring(badge.render(badge.Badge("Acme", "All Systems Operational",
                                                            "none")))
    long_name = "A very long name for a status page that goes on and on"
    long = ElementTree.fromstring(badge.render(badge.Badge(long_name, "All Systems Operational",
                                                           "none")))
    label = _texts(long)[0]
    assert len(label) == badge.MAX_LABEL and label.endswith("…")
    assert int(long.get("width", 0)) > int(short.get("width", 0))
    for text in long.iter(f"{SVG}text"):
        assert int(text.get("textLength", 0)) > 0  # drawn to the estimated width, no overflow


def test_badge_is_cacheable_and_revalidates(client: FlaskClient, factory: Factory) -> None:
    factory.component("API")
    first = client.get("/badge.svg")
    etag = first.headers["ETag"]
    assert etag
    cache_control = first.headers["Cache-Control"]
    assert cache_control.startswith("public, max-age=")
    assert 0 < int(cache_control.rsplit("=", 1)[1]) <= 300  # short: a status changes
    assert first.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert first.headers["X-Content-Type-Options"] == "nosniff"

    again = client.get("/badge.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""


def test_badge_comes_from_the_page_cache_and_changes_with_a_publish(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    first = client.get("/badge.svg")
    cache: ResponseCache = app.extensions["statuspage_cache"]
    assert any(key[1] == "/badge.svg" for key in cache._entries)

    incident = factory.incident(components={api: "major_outage"})
    changed = client.get("/badge.svg", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "Major System Outage" in changed.get_data(as_text=True)

    post_update(incident, UpdateInput(status="resolved", body="Fixed.",
                                      component_statuses={api.id: "operational"}), None)
    assert "All Systems Operational" in client.get("/badge.svg").get_data(as_text=True)
