"""Look and feel of the public pages: only our own assets, a strict Content-Security-Policy,
readable colours in the light and dark schemes, the owner's accent, a layout without fixed
widths. The real 320 px rendering is checked in a browser (tests/browser/test_layout.py)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from flask.testing import FlaskClient

from statuspage import ROOT
from statuspage.core.extensions import db
from statuspage.page.record import get_page, touch_page
from statuspage.public.theme import SCHEMES, contrast
from statuspage.subscriptions import subscribe as subscriptions
from tests.factories import Factory
from tests.subscription_support import link_in, outbox, path_of, token_of

STATIC = Path(ROOT) / "static"
PUBLIC_CSS = ("public.css", "subscribe.css", "embed.css")
AA = 4.5
# Narrowest phone in common use, less the page's 1rem padding on each side.
NARROW = 320 - 2 * 16
# Attributes that make a browser fetch something (a plain <a href> only links).
FETCHING = ("src", "srcset", "data", "action", "formaction", "poster", "background")


def _set_page(**fields: object) -> None:
    page = get_page()
    for key, value in fields.items():
        setattr(page, key, value)
    touch_page()
    db.session.commit()


def _public_paths(factory: Factory) -> list[str]:
    """Every kind of public page, with content in it: the page in each state, forms, errors."""
    api = factory.component("API")
    incident = factory.incident(components={api: "partial_outage"},
                                body="See [the vendor](https://vendor.example.net/).")
    maintenance = factory.maintenance(components=[api])
    subscriber = subscriptions.subscribe("email", "ana@example.com", [], "en", "203.0.113.5")
    subscriptions.confirm_email(token_of(link_in(outbox("email")[-1].body,
                                                 "/subscribe/confirm/")))
    return ["/", f"/incidents/{incident.public_id}", f"/incidents/{maintenance.public_id}",
            "/history", "/subscribe", "/subscribe?channel=sms", "/subscribe?channel=webhook",
            path_of(subscriptions.manage_url(subscriber)), "/embed", "/incidents/missing"]


def _same_site(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme == "data":
        return True
    return not parts.scheme and not parts.netloc


def _fetched_urls(doc: lxml.html.HtmlElement) -> list[str]:
    urls = []
    for element in doc.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name == "srcset":
                urls.extend(part.split()[0] for part in value.split(",") if part.strip())
            elif name in FETCHING or (name == "href" and element.tag != "a"):
                urls.append(value)
    return urls


def _csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for directive in filter(None, (d.strip() for d in header.split(";"))):
        name, *values = directive.split()
        policy[name] = values
    return policy


def test_public_pages_load_nothing_from_another_origin_and_nothing_inline(
    client: FlaskClient, factory: Factory
) -> None:
    paths = _public_paths(factory)
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        doc = lxml.html.fromstring(response.get_data(as_text=True))
        urls = _fetched_urls(doc)
        assert any("/static/" in u for u in urls), path  # the scan sees the stylesheet
        foreign = [u for u in urls if not _same_site(u)]
        assert foreign == [], (path, foreign)
        # What the policy would block: inline style or script, event handlers.
        assert doc.xpath("//style | //*[@style]") == [], path
        assert doc.xpath("//script[not(@src)]") == [], path
        handlers = [a for e in doc.iter() if isinstance(e.tag, str)
                    for a in e.attrib if a.lower().startswith("on")]
        assert handlers == [], (path, handlers)


def test_stylesheets_import_no_fonts_or_files_from_elsewhere() -> None:
    for name in PUBLIC_CSS:
        css = (STATIC / name).read_text()
        assert "@import" not in css, name
        assert "@font-face" not in css, name
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
            assert _same_site(url), (name, url)


def test_public_pages_send_a_strict_content_security_policy(
    client: FlaskClient, factory: Factory
) -> None:
    for path in _public_paths(factory):
        response = client.get(path)
        policy = _csp(response.headers.get("Content-Security-Policy", ""))
        assert policy.get("default-src") == ["'self'"], path
        assert policy.get("script-src") == ["'self'"], path  # no inline, no eval, no CDN
        assert policy.get("style-src") == ["'self'"], path
        assert policy.get("object-src") == ["'none'"], path
        assert policy.get("base-uri") == ["'none'"], path
        assert policy.get("form-action") == ["'self'"], path
        expected = ["*"] if path == "/embed" else ["'none'"]
        assert policy.get("frame-ancestors") == expected, path
        assert response.headers.get("X-Content-Type-Options") == "nosniff", path


def test_a_cached_page_keeps_its_policy(client: FlaskClient, factory: Factory) -> None:
    factory.component("API")
    first = client.get("/")
    again = client.get("/")
    assert first.headers["ETag"] == again.headers["ETag"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in again.headers["Content-Security-Policy"]


# -- colours -------------------------------------------------------------------------------------

def _without_comments(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.S)


def _variables(block: str) -> dict[str, str]:
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", block))


def _schemes(css: str) -> dict[str, dict[str, str]]:
    """The custom properties in force in each scheme (dark = light overridden by @media)."""
    css = _without_comments(css)
    light = re.match(r"\s*:root\s*\{([^}]*)\}", css)
    dark = re.search(r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}",
                     css)
    assert light and dark, "expected a light :root and a dark @media :root"
    light_vars = _variables(light.group(1))
    return {"light": light_vars, "dark": {**light_vars, **_variables(dark.group(1))}}


def _text_pairs(scheme: dict[str, str]) -> list[tuple[str, str]]:
    """(text, background) pairs: every text colour on both backgrounds, every --on-X on --X."""
    texts = ["--fg", "--muted", *(n for n in scheme if n.endswith("-text"))]
    pairs = [(t, bg) for t in texts for bg in ("--bg", "--surface")]
    pairs += [(n, "--" + n[len("--on-"):]) for n in scheme if n.startswith("--on-")]
    return pairs


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_reaches_wcag_aa_in_both_schemes(scheme: str) -> None:
    colours = _schemes((STATIC / "public.css").read_text())[scheme]
    pairs = _text_pairs(colours)
    assert len(pairs) >= 20  # fg, muted, accent and five statuses, each on two backgrounds
    low = {f"{t} on {b}": round(contrast(colours[t], colours[b]), 2) for t, b in pairs
           if contrast(colours[t], colours[b]) < AA}
    assert low == {}, f"below {AA}:1 in the {scheme} scheme"
    # theme.py computes link colours against the same backgrounds as the stylesheet.
    assert SCHEMES[scheme] == {"bg": colours["--bg"], "surface": colours["--surface"]}


def test_text_is_never_drawn_in_a_fill_colour() -> None:
    """Fills (--major, --accent …) may be too light for text; text uses --X-text or --on-X."""
    for name in ("public.css", "subscribe.css"):
        css = _without_comments((STATIC / name).read_text())
        body = css.split("}", 1)[1]  # after the light :root block
        fills = re.findall(r"(?<![-\w])color:\s*var\(--(operational|maintenance|degraded|"
                           r"partial|major|accent)\)", body)
        assert fills == [], name
        assert re.findall(r"(?<![-\w])color:\s*#", body) == [], name


def test_embed_stylesheet_is_readable_in_both_schemes() -> None:
    schemes = _schemes((STATIC / "embed.css").read_text())
    for colours in schemes.values():
        for text in ("--fg", "--muted"):
            assert contrast(colours[text], colours["--bg"]) >= AA
        for fill in ("--none", "--minor", "--major", "--critical", "--maintenance"):
            assert contrast(colours["--on-fill"], colours[fill]) >= AA, fill


# -- the accent ----------------------------------------------------------------------------------

def _rule(css: str, selector: str) -> str:
    match = re.search(rf"(?:^|\}}|\n)\s*{re.escape(selector)}\s*\{{([^}}]*)\}}",
                      _without_comments(css))
    assert match, f"no rule for {selector}"
    return match.group(1)


def test_the_accent_colours_the_header_links_and_buttons() -> None:
    public = (STATIC / "public.css").read_text()
    assert "var(--accent)" in _rule(public, ".site-header")
    assert "color: var(--accent-text)" in _rule(public, "a")
    cta = _rule(public, ".site-header nav a.cta")
    assert "background: var(--accent)" in cta and "color: var(--on-accent)" in cta
    button = _rule((STATIC / "subscribe.css").read_text(), "button")
    assert "background: var(--accent)" in button and "color: var(--on-accent)" in button


def _theme(css: str) -> dict[str, dict[str, str]]:
    light = re.match(r"[^:]*:root\s*\{([^}]*)\}", _without_comments(css))
    dark = re.search(r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}",
                     css)
    assert light and dark
    base = _variables(light.group(1))
    return {"light": base, "dark": {**base, **_variables(dark.group(1))}}


@pytest.mark.parametrize(("accent", "on_accent"), [
    ("#2563eb", "#ffffff"), ("#ffff00", "#000000"), ("#000000", "#ffffff"),
    ("#ff6600", "#000000"), ("#777777", "#000000"), ("#ffffff", "#000000"),
    ("#1e3a8a", "#ffffff"),
])
def test_any_accent_gives_readable_buttons_and_links(
    client: FlaskClient, factory: Factory, accent: str, on_accent: str
) -> None:
    _set_page(accent_color=accent)
    doc = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    href = f"/theme.css?v={accent[1:]}"
    assert doc.xpath(f'//head/link[@rel="stylesheet"][@href="{href}"]')
    response = client.get(href)
    assert response.status_code == 200
    assert response.mimetype == "text/css"
    assert response.headers["ETag"] and "public" in response.headers["Cache-Control"]
    theme = _theme(response.get_data(as_text=True))
    assert theme["light"]["--accent"] == accent
    assert theme["light"]["--on-accent"] == on_accent
    assert contrast(on_accent, accent) >= AA
    for scheme, colours in theme.items():
        link = colours["--accent-text"]
        for background in SCHEMES[scheme].values():
            assert contrast(link, background) >= AA, (scheme, link, background)


def test_a_new_accent_is_a_new_stylesheet_url(client: FlaskClient, factory: Factory) -> None:
    _set_page(accent_color="#ff6600")
    first = client.get("/").get_data(as_text=True)
    _set_page(accent_color="#0f766e")
    second = client.get("/").get_data(as_text=True)
    assert "/theme.css?v=ff6600" in first and "/theme.css?v=0f766e" in second
    assert "--accent: #0f766e;" in client.get("/theme.css?v=0f766e").get_data(as_text=True)


# -- layout ----------------------------------------------------------------------------------------

def _px(value: str) -> float | None:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(px|rem|em)", value.strip())
    if match is None:
        return None
    number = float(match.group(1))
    return number if match.group(2) == "px" else number * 16


@pytest.mark.parametrize("name", PUBLIC_CSS)
def test_no_fixed_width_wider_than_a_small_phone(name: str) -> None:
    css = _without_comments((STATIC / name).read_text())
    too_wide = []
    for prop, value in re.findall(r"(?<![-\w])(width|min-width|flex-basis)\s*:\s*([^;}]+)", css):
        size = _px(value)
        if size is not None and size > NARROW:
            too_wide.append(f"{prop}: {value}")
    for value in re.findall(r"minmax\(\s*([^,]+),", css):
        size = _px(value)
        if size is not None and size > NARROW:
            too_wide.append(f"minmax({value}, …)")
    assert too_wide == []


def test_header_wraps_and_uptime_bars_shrink_within_their_box() -> None:
    css = (STATIC / "public.css").read_text()
    assert "flex-wrap: wrap" in _rule(css, ".header-row")
    assert "flex-wrap: wrap" in _rule(css, ".site-header nav ul")
    day = _rule(css, ".day")
    assert "flex: 1 1 0" in day and "min-width: 0" in day
    # Narrow screens show the last 30 days, so each day stays wide enough to see and tap.
    assert re.search(r"@media \(max-width: [\d.]+rem\) \{\s*\.bar \.day:nth-child\(-n\+60\) "
                     r"\{ display: none; \}", css)


def test_every_public_page_sets_the_viewport(client: FlaskClient, factory: Factory) -> None:
    for path in _public_paths(factory):
        doc = lxml.html.fromstring(client.get(path).get_data(as_text=True))
        viewport = doc.xpath('//meta[@name="viewport"]/@content')
        assert viewport == ["width=device-width, initial-scale=1"], path
        assert doc.xpath('//meta[@name="color-scheme"]/@content') == ["light dark"], path
