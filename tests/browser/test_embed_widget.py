"""Embeds on someone else's site, in a real browser: Atlassian's own status widget pointed at
our live server, our `/embed.js` pill and the `/embed` iframe.

The host page is served by a second little server on another loopback port: another origin,
so the API calls are real cross-origin requests that work only because the API sends CORS
headers (and, being loopback, Chromium's private-network rules let them through). The widget's
JavaScript is the npm package's own file, vendored under vendor/status-widget/ (see its
README), served by that host, never by a CDN.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tests.browser.live import LiveServer
from tests.factories import Factory

WIDGET_JS = Path(__file__).resolve().parent / "vendor" / "status-widget" / "index.js"


class PartnerSite:
    """Someone else's website: `/` is whatever body a test sets; the widget's script beside."""

    def __init__(self) -> None:
        self.body = ""
        self.server: BaseWSGIServer = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    @Request.application  # type: ignore[arg-type]
    def _app(self, request: Request) -> Response:
        if request.path == "/status-widget.js":
            return Response(WIDGET_JS.read_bytes(), mimetype="text/javascript")
        return Response("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                        f"<title>Partner</title></head><body>{self.body}</body></html>",
                        mimetype="text/html")


@pytest.fixture(scope="module")
def partner() -> Iterator[PartnerSite]:
    site = PartnerSite()
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    yield site
    site.server.shutdown()
    thread.join(timeout=5)


def test_atlassian_status_widget_shows_our_status(page: Page, live_server: LiveServer,
                                                  factory: Factory, partner: PartnerSite
                                                  ) -> None:
    factory.component("API", status="partial_outage")
    partner.body = (f'<statuspage-widget src="{live_server.url}"></statuspage-widget>'
                    f'<statuspage-widget src="{live_server.url}" appearance="badge" '
                    f'title="Acme"></statuspage-widget>'
                    f'<script src="/status-widget.js"></script>')
    with page.expect_response(f"{live_server.url}/api/v2/summary.json") as answer:
        page.goto(f"{partner.url}/")
    assert answer.value.headers["access-control-allow-origin"] == "*"

    # Playwright's CSS locators pierce the widget's open shadow root.
    basic, as_badge = page.locator("statuspage-widget").all()
    expect(basic.locator(".status-text")).to_have_text("Partial System Outage")
    expect(basic.locator(".status-indicator")).to_have_class("status-indicator major")
    expect(basic.locator("a")).to_have_attribute("href", live_server.url)
    expect(as_badge.locator(".status-indicator")).to_have_text("Partial System Outage")
    expect(as_badge.locator(".status-text")).to_have_text("Acme")


def test_embed_script_shows_a_pill_linking_to_the_page(page: Page, live_server: LiveServer,
                                                       factory: Factory, partner: PartnerSite
                                                       ) -> None:
    factory.component("API", status="major_outage")
    partner.body = (f'<p>Our service: <script src="{live_server.url}/embed.js" async></script>'
                    f'</p><div id="second" data-statuspage-embed></div>')
    page.goto(f"{partner.url}/")
    pill = page.locator("#second a.statuspage-embed")
    expect(pill).to_have_text("Major System Outage")
    expect(pill).to_have_attribute("data-indicator", "critical")
    expect(pill).to_have_attribute("href", live_server.url)
    expect(pill).to_have_attribute("rel", "noopener")


def test_embed_script_without_a_placeholder_puts_the_pill_after_itself(
    page: Page, live_server: LiveServer, factory: Factory, partner: PartnerSite
) -> None:
    factory.component("API")
    partner.body = (f'<p id="where">Status: <script src="{live_server.url}/embed.js" async>'
                    f"</script></p>")
    page.goto(f"{partner.url}/")
    expect(page.locator("#where a.statuspage-embed")).to_have_text("All Systems Operational")


def test_embed_iframe_may_be_framed_by_another_site(page: Page, live_server: LiveServer,
                                                    factory: Factory, partner: PartnerSite
                                                    ) -> None:
    factory.component("API", status="degraded_performance")
    partner.body = (f'<iframe src="{live_server.url}/embed" title="Service status" '
                    f'width="320" height="48"></iframe>'
                    f'<iframe id="front" src="{live_server.url}/" title="Front page"></iframe>')
    page.goto(f"{partner.url}/")
    frame = page.frame_locator('iframe[title="Service status"]')
    expect(frame.locator("a.embed")).to_contain_text("Partially Degraded Service")
    # The status page itself refuses to be framed (frame-ancestors 'none'): Chromium shows
    # its own error page in that frame instead.
    front = page.frame_locator("#front")
    expect(front.locator("body")).to_be_attached()
    expect(front.locator("#page-status")).to_have_count(0)
    urls = [f.url for f in page.frames]
    assert f"{live_server.url}/embed" in urls
    assert f"{live_server.url}/" not in urls, urls
