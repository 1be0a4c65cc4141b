"""Embeds for other sites: the iframe page, the script and the API fields Atlassian's widget
reads. The snippets are in tests/console/test_settings_branding.py; the real browser runs are
in tests/browser/test_embed_widget.py."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
from flask.testing import FlaskClient

from statuspage import ROOT
from statuspage.core.extensions import db
from statuspage.page.record import get_page, touch_page
from tests.factories import Factory

SCRIPT = Path(ROOT) / "static" / "embed.js"
WIDGET_ORIGIN = "https://intranet.example.org"


def _set_page(**fields: object) -> None:
    page = get_page()
    for key, value in fields.items():
        setattr(page, key, value)
    touch_page()
    db.session.commit()


def test_embed_page_shows_the_status_and_links_to_the_page(
    client: FlaskClient, factory: Factory
) -> None:
    _set_page(name="Acme <Cloud>")
    factory.component("API", status="major_outage")
    response = client.get("/embed")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    link = doc.xpath("//a[@href='/']")[0]
    assert link.get("target") == "_blank" and "noopener" in link.get("rel", "")
    assert "indicator-critical" in link.get("class", "")
    words = " ".join(link.text_content().split())
    assert "Acme <Cloud>" in words and "Major System Outage" in words
    assert "<Cloud>" not in response.get_data(as_text=True)  # escaped, not markup


def test_only_the_embed_page_may_be_framed(client: FlaskClient, factory: Factory) -> None:
    embed = client.get("/embed")
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    for path in ("/", "/history", "/subscribe"):
        assert "frame-ancestors 'none'" in client.get(path).headers["Content-Security-Policy"]


def test_embed_page_is_cached_and_follows_a_publish(client: FlaskClient,
                                                   factory: Factory) -> None:
    api = factory.component("API")
    first = client.get("/embed")
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    assert client.get("/embed", headers={"If-None-Match": first.headers["ETag"]}
                      ).status_code == 304
    factory.incident(components={api: "partial_outage"})
    changed = client.get("/embed", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "Partial System Outage" in changed.get_data(as_text=True)


def test_embed_script_is_served_as_cacheable_javascript(client: FlaskClient) -> None:
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.get_data() == SCRIPT.read_bytes()
    etag = response.headers["ETag"]
    assert client.get("/embed.js", headers={"If-None-Match": etag}).status_code == 304


def test_embed_script_reads_the_status_api_and_writes_text_only() -> None:
    source = SCRIPT.read_text()
    assert 'new URL("api/v2/status.json", base)' in source
    assert "document.currentScript" in source
    assert "textContent" in source
    # No HTML from the API (a page name, a description) is ever parsed as markup.
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", source)
    # Styles go through the CSSOM, which a host page's CSP cannot block; no cookies are sent.
    assert ".setAttribute(\"style\"" not in source and 'credentials: "omit"' in source


def test_status_api_is_open_to_other_origins_with_the_fields_embeds_read(
    client: FlaskClient, factory: Factory
) -> None:
    """What embed.js (status.json) and Atlassian's status widget (summary.json) read."""
    _set_page(name="Acme Cloud", url="https://status.acme.test")
    factory.component("API", status="partial_outage")
    for path in ("/api/v2/status.json", "/api/v2/summary.json"):
        response = client.get(path, headers={"Origin": WIDGET_ORIGIN})
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        # A credential-less simple GET: no preflight, no cookies, so no Allow-Credentials.
        assert "Access-Control-Allow-Credentials" not in response.headers
        data = response.get_json()
        assert data["status"] == {"indicator": "major",
                                  "description": "Partial System Outage"}
        assert data["page"]["name"] == "Acme Cloud"
        assert data["page"]["url"] == "https://status.acme.test"
        revalidated = client.get(path, headers={"Origin": WIDGET_ORIGIN,
                                                "If-None-Match": response.headers["ETag"]})
        assert revalidated.status_code == 304
        assert revalidated.headers["Access-Control-Allow-Origin"] == "*"


def test_readme_documents_the_badge_and_the_embeds() -> None:
    readme = (Path(ROOT) / "README.md").read_text()
    for needle in ("/badge.svg", "/embed.js", "/embed", "data-statuspage-embed",
                   "statuspage-widget"):
        assert needle in readme, needle
