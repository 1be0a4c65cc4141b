"""Feeds compared with real Statuspage captures, and untrusted text kept inert."""

from __future__ import annotations

import feedparser
import lxml.html
from flask.testing import FlaskClient
from lxml import etree

from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.updates import UpdateInput
from tests.factories import Factory
from tests.test_feeds import (
    GITHUB_ATOM,
    SMALL_RE,
    STAFFBASE_RSS,
    T0,
    A,
    _at,
    _atom_entries,
    _content,
    _incident_lifecycle,
    _maintenance_lifecycle,
    _rss_items,
    _xml,
    needs_fixtures,
)


def _names(element: etree._Element, skip: str = "") -> list[str]:
    return [etree.QName(child).localname for child in element
            if etree.QName(child).localname != skip]


def _attributes(element: etree._Element | None) -> list[tuple[str, str]]:
    """Attribute names in order, with values except URLs (which name the page)."""
    assert element is not None
    return [(k, "" if k == "href" else v) for k, v in element.attrib.items()]


@needs_fixtures
def test_rss_has_the_same_elements_as_statuspages(client: FlaskClient, factory: Factory) -> None:
    real = etree.parse(str(STAFFBASE_RSS)).getroot()
    assert feedparser.parse(STAFFBASE_RSS.read_bytes()).bozo == 0
    _incident_lifecycle(factory)
    _maintenance_lifecycle()
    ours = _xml(client, "/history.rss")

    assert (ours.tag, ours.attrib) == (real.tag, real.attrib)
    assert _names(ours) == _names(real) == ["channel"]
    assert _names(ours[0], skip="item") == _names(real[0], skip="item")
    real_item = _names(real[0].find("item"))
    ours_items = [_names(item) for item in ours[0].iter("item")]
    dated = [n for n in real_item if n not in ("link", "guid")]
    assert ours_items == [
        [*dated, "maintenanceEndDate", "link", "guid"],  # the maintenance (Oct 20)
        real_item,  # the incident (Oct 8)
    ]


@needs_fixtures
def test_atom_has_the_same_elements_as_statuspages(
    client: FlaskClient, factory: Factory
) -> None:
    real = etree.parse(str(GITHUB_ATOM)).getroot()
    assert feedparser.parse(GITHUB_ATOM.read_bytes()).bozo == 0
    _incident_lifecycle(factory)
    _maintenance_lifecycle()
    ours = _xml(client, "/history.atom")

    assert (ours.tag, dict(ours.attrib)) == (real.tag, dict(real.attrib))
    assert _names(ours, skip="entry") == _names(real, skip="entry")
    assert [_attributes(ln) for ln in ours.findall(f"{A}link")] == [
        _attributes(ln) for ln in real.findall(f"{A}link")
    ]
    for ours_entry, real_entry in zip(ours.findall(f"{A}entry"), real.findall(f"{A}entry"),
                                      strict=False):
        assert _names(ours_entry) == _names(real_entry)
        for tag in ("link", "content"):
            assert _attributes(ours_entry.find(f"{A}{tag}")) == (
                _attributes(real_entry.find(f"{A}{tag}"))
            )
    # Both maintenance trails open the same way, and mrshu's pattern reads both.
    real_first = _content(real.findall(f"{A}entry")[0])
    ours_first = _content(ours.findall(f"{A}entry")[0])
    assert real_first.startswith("<p><strong>THIS IS A SCHEDULED EVENT May ")
    assert ours_first.startswith("<p><strong>THIS IS A SCHEDULED EVENT Oct ")
    assert SMALL_RE.search(real_first) and SMALL_RE.search(ours_first)


XSS = "<script>alert(1)</script>"
XSS_BODIES = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
              "[click](javascript:alert(1))")


def _assert_inert(html: str) -> None:
    """No element, attribute or URL in the HTML can run script (the text may mention it)."""
    assert "<script" not in html and "<img" not in html
    for element in lxml.html.fragment_fromstring(html, create_parent="div").iter():
        assert element.tag not in ("script", "img", "iframe", "object")
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on")
            assert "javascript:" not in value.lower()


def test_script_in_titles_and_bodies_stays_inert(client: FlaskClient, factory: Factory) -> None:
    incident = factory.incident(name=XSS, body=XSS_BODIES[0], started_at=T0)
    for minutes, body in enumerate(XSS_BODIES[1:], start=1):
        post_update(incident, UpdateInput(status="investigating", body=body,
                                          display_at=_at(minutes)), None)

    rss_raw = client.get("/history.rss").data
    atom_raw = client.get("/history.atom").data
    for raw in (rss_raw, atom_raw):
        assert b"<script>" not in raw
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;</title>" in raw  # escaped text
    item = _rss_items(client)[0]
    entry = _atom_entries(client)[0]
    assert item["title"] == entry.findtext(f"{A}title") == XSS
    for html in (item["description"], _content(entry)):
        _assert_inert(html)
        assert html.count("<p>") == 3
    for raw in (rss_raw, atom_raw):
        parsed = feedparser.parse(raw)
        assert parsed.bozo == 0
        _assert_inert(parsed.entries[0].description)


def test_markdown_bodies_stay_inside_one_paragraph(client: FlaskClient, factory: Factory) -> None:
    factory.incident(name="Formatting", started_at=T0,
                     body="First line\nsecond line\n\nSecond **paragraph** [docs](https://x.test)")

    html = _rss_items(client)[0]["description"]

    assert html.count("<p>") == 1 and html.count("</p>") == 1
    assert ("- First line<br />second line<br /><br />Second <strong>paragraph</strong> "
            '<a href="https://x.test" rel="noopener noreferrer nofollow">docs</a></p>') in html
