"""The console under stress stays readable: every page is walked (all GET routes of the URL map,
filled with a busy day's data) and each form keeps one primary action, preview and template
buttons secondary, destructive actions marked `danger`; every input type there is styled like
a text field; the colours reach WCAG AA in the light and dark schemes; the navigation is
grouped and keeps the incident work in the top bar on a phone."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import lxml.html
import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Rule

from statuspage import ROOT
from statuspage import console as console_package
from statuspage.core.extensions import db
from statuspage.public.theme import contrast
from statuspage.web.url_rules import converter_of
from tests.console.busy_console import busy_console
from tests.console.conftest_content import as_role
from tests.factories import Factory

CSS = Path(ROOT) / "static" / "console.css"
AA = 4.5
# WCAG 1.4.11: the edge of a text field or button against what is around it.
NON_TEXT = 3.0
# Words that start the label of an action that destroys or takes back something, and the
# last path segment of the URL such an action posts to.
DESTRUCTIVE = re.compile(r"^(yes, )?(delete|remove|revoke|reject|unpublish|deactivate|withdraw"
                         r"|turn off|discard|disable)\b", re.I)
DESTRUCTIVE_PATHS = {"delete", "remove", "revoke", "reject", "unpublish", "deactivate",
                     "withdraw", "disable"}
# Buttons that show something before the real action: never the form's primary.
HELPERS = {"preview", "reach", "use_template"}
# Input types that are not text fields (they have their own look).
NOT_TEXT_FIELDS = {"hidden", "checkbox", "radio", "submit", "button", "reset", "image", "file",
                   "color", "range"}
# How many pages of one route (with different ids) the walk looks at.
VARIANTS = 4
# Pages the walk must reach, whatever else exists: proof that ids were found for them.
MUST_REACH = {"console.dashboard", "console.incident_detail", "console.postmortem",
              "console.maintenance_detail", "console.subscriber_detail",
              "console.stakeholder_detail", "console.stakeholder_member_edit",
              "console.template_detail", "console.user_edit", "console.component_edit",
              "console.tokens", "console.update_deliveries", "console.settings"}


# -- walking every console page ------------------------------------------------------------------

def _ids_by_model() -> dict[str, list[str]]:
    """Class name -> every public_id (or id) in its table, for filling in URL arguments."""
    found: dict[str, list[str]] = {}
    for mapper in db.Model.registry.mappers:
        name = "public_id" if "public_id" in mapper.columns else "id"
        if name not in mapper.columns:
            continue
        column = mapper.columns[name]
        values = db.session.execute(select(column).limit(40)).scalars().all()
        found[mapper.class_.__name__.lower()] = [str(v) for v in values]
    return found


def _candidates(rule: Rule, argument: str, ids: dict[str, list[str]]) -> list[str]:
    if argument == "month":
        return [date.today().strftime("%Y-%m")]
    if isinstance(converter_of(rule, argument), IntegerConverter):
        wanted = argument.removesuffix("_id")
        pools = [v for name, v in ids.items() if name == wanted] or list(ids.values())
        return [v for v in dict.fromkeys(itertools.chain(*pools)) if v.isdigit()]
    if argument != "public_id" and argument.endswith("_id"):
        wanted = argument.removesuffix("_id")
        pools = [v for name, v in ids.items() if wanted in name] or list(ids.values())
        return list(dict.fromkeys(itertools.chain(*pools)))
    # The models the path names (/stakeholders/<public_id>: StakeholderGroup and
    # StakeholderMember), or every model when it names none (/maintenance/ is an Incident).
    words = set(re.findall(r"[a-z]+", rule.rule.split("<public_id>")[0])) - {"console"}
    named = [v for name, v in ids.items() if any(w.rstrip("s") in name for w in words)]
    return list(dict.fromkeys(itertools.chain(*(named or ids.values()))))


def walk_console(client: FlaskClient) -> dict[str, tuple[str, str]]:
    """Every console GET route that answers 200 with HTML: url -> (endpoint, html).

    A route with arguments is tried with the ids in the database until VARIANTS answer (an
    open and a resolved incident, a group with and without members …); a route for which no
    data exists is left out (MUST_REACH says which must not be)."""
    app: Flask = client.application
    ids = _ids_by_model()
    pages: dict[str, tuple[str, str]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("console.") or "GET" not in (rule.methods or ()):
            continue
        arguments = sorted(rule.arguments)
        found = 0
        for values in itertools.product(*(_candidates(rule, a, ids) for a in arguments)):
            with app.test_request_context():
                url = url_for(rule.endpoint, **dict(zip(arguments, values, strict=True)))
            response = client.get(url)
            if response.status_code == 200:
                if response.mimetype == "text/html":
                    pages[url] = (rule.endpoint, response.get_data(as_text=True))
                found += 1
                if found == VARIANTS:
                    break
    return pages


_walked: dict[str, tuple[str, str]] = {}


@pytest.fixture
def console_pages(client: FlaskClient, factory: Factory) -> dict[str, tuple[str, str]]:
    """The rendered pages; walked once per test session (the walk takes seconds), since the
    tests only read the HTML."""
    if _walked:
        return _walked
    busy_console(factory)
    pages = {"/console/login": ("console.login", client.get("/console/login").get_data(
        as_text=True))}
    as_role(client, factory, "admin")
    pages.update(walk_console(client))
    reached = {endpoint for endpoint, _ in pages.values()}
    assert not MUST_REACH - reached, MUST_REACH - reached
    _walked.update(pages)
    return pages


# -- buttons -------------------------------------------------------------------------------------

def _classes(element: lxml.html.HtmlElement) -> set[str]:
    return set((element.get("class") or "").split())


def _label(element: lxml.html.HtmlElement) -> str:
    text = element.get("value") if element.tag == "input" else element.text_content()
    return " ".join((text or element.get("aria-label") or "").split())


def _buttons(doc: lxml.html.HtmlElement, form: lxml.html.HtmlElement
             ) -> list[lxml.html.HtmlElement]:
    inside = form.xpath(".//button | .//input[@type='submit' or @type='image']")
    owned = doc.xpath("//button[@form=$id]", id=form.get("id")) if form.get("id") else []
    return inside + owned


def _posts_to(button: lxml.html.HtmlElement, form: lxml.html.HtmlElement) -> str:
    action = button.get("formaction") or form.get("action") or ""
    return action.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def _destructive(button: lxml.html.HtmlElement, form: lxml.html.HtmlElement) -> bool:
    return bool(DESTRUCTIVE.match(_label(button))) or _posts_to(button, form) in DESTRUCTIVE_PATHS


def _forms(pages: dict[str, tuple[str, str]]
           ) -> Iterator[tuple[str, lxml.html.HtmlElement, lxml.html.HtmlElement]]:
    for url, (_, html) in pages.items():
        doc = lxml.html.fromstring(html)
        for form in doc.xpath("//form"):
            yield url, doc, form


def test_every_console_form_has_one_primary_action_and_marks_destructive_ones(
    console_pages: dict[str, tuple[str, str]],
) -> None:
    problems = []
    forms = 0
    for url, doc, form in _forms(console_pages):
        forms += 1
        buttons = _buttons(doc, form)
        where = f"{url} form[action={form.get('action')}]"
        primary = [_label(b) for b in buttons if not _classes(b) & {"secondary", "danger"}]
        if len(primary) > 1:
            problems.append(f"{where}: {len(primary)} primary buttons {primary}")
        for button in buttons:
            label, classes = _label(button), _classes(button)
            if _destructive(button, form) and "danger" not in classes:
                problems.append(f"{where}: destructive {label!r} is not class=danger")
            if button.get("name") == "action" and button.get("value") in HELPERS \
                    and "secondary" not in classes:
                problems.append(f"{where}: {label!r} shows something; it must be secondary")
    for url, (_, html) in console_pages.items():
        for link in lxml.html.fromstring(html).xpath("//a[contains(@class, 'button')]"):
            if DESTRUCTIVE.match(_label(link)) and "danger" not in _classes(link):
                problems.append(f"{url}: destructive link {_label(link)!r} is not class=danger")
    assert forms > 40  # the walk saw the composer, the approval card, the row actions …
    assert problems == []


# -- the stylesheet ------------------------------------------------------------------------------

def _css() -> str:
    return re.sub(r"/\*.*?\*/", "", CSS.read_text(), flags=re.S)


def _text_field_selectors() -> set[str]:
    """The selectors of the rule that gives text fields their look (the one for type=text)."""
    for selectors, _body in re.findall(r"([^{}]+)\{([^}]*)\}", _css()):
        parts = {" ".join(s.split()) for s in selectors.split(",")}
        if "input[type=text]" in parts:
            return parts
    raise AssertionError("no rule styles input[type=text]")


def test_every_input_type_on_the_console_is_styled_like_a_text_field(
    console_pages: dict[str, tuple[str, str]],
) -> None:
    selectors = _text_field_selectors()
    styled = {m for s in selectors for m in re.findall(r"^input\[type=([\w-]+)\]$", s)}
    assert {"text", "email", "tel", "url", "number", "date", "datetime-local", "password",
            "search"} <= styled
    unstyled = set()
    for url, (_, html) in console_pages.items():
        for field in lxml.html.fromstring(html).xpath("//input"):
            kind = (field.get("type") or "").lower()
            if kind in NOT_TEXT_FIELDS:
                continue
            covered = kind in styled if kind else "input:not([type])" in selectors
            if not covered:
                unstyled.add(f"{kind or '(no type)'} on {url}")
    assert unstyled == set()


def _schemes() -> dict[str, dict[str, str]]:
    css = _css()
    light = re.match(r"\s*:root\s*\{([^}]*)\}", css)
    dark = re.search(r"@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}",
                     css)
    assert light and dark, "expected a light :root and a dark @media :root in console.css"

    def variables(block: str) -> dict[str, str]:
        return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", block))

    base = variables(light.group(1))
    return {"light": base, "dark": {**base, **variables(dark.group(1))}}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_console_colours_reach_wcag_aa_in_both_schemes(scheme: str) -> None:
    colours = _schemes()[scheme]
    texts = ["--fg", "--muted", *(n for n in colours if n.endswith("-text"))]
    pairs = [(t, bg) for t in texts for bg in ("--bg", "--panel")]
    # A --X-text is also drawn on its own tint --X-soft (flash messages, tags) …
    pairs += [(n, n[:-len("-text")] + "-soft") for n in texts
              if n[:-len("-text")] + "-soft" in colours]
    # … and a --on-X on its fill --X (buttons, the OVERDUE marker, the top bar).
    pairs += [(n, "--" + n[len("--on-"):]) for n in colours if n.startswith("--on-")]
    assert {"--on-accent", "--on-danger", "--on-warn", "--warn-text", "--danger-text"} <= {
        p[0] for p in pairs}
    low = {f"{t} on {b}": round(contrast(colours[t], colours[b]), 2) for t, b in pairs
           if contrast(colours[t], colours[b]) < AA}
    assert low == {}, f"below {AA}:1 in the {scheme} scheme"
    edges = {f"{e} on {b}": round(contrast(colours[e], colours[b]), 2)
             for e in ("--field-edge", "--focus") for b in ("--bg", "--panel", "--field")
             if contrast(colours[e], colours[b]) < NON_TEXT}
    assert edges == {}, f"field edges or focus rings below {NON_TEXT}:1 in the {scheme} scheme"


def _rule(selector: str) -> str:
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", _css()):
        if selector in {" ".join(s.split()) for s in selectors.split(",")}:
            return body
    raise AssertionError(f"no rule for {selector}")


def test_buttons_overdue_and_focus_have_their_own_look() -> None:
    assert "var(--accent)" in _rule("button") and "var(--on-accent)" in _rule("button")
    secondary = _rule("button.secondary")
    assert "var(--accent)" not in secondary and "background" in secondary
    assert "var(--danger-text)" in _rule("button.danger")
    overdue = _rule(".tag.overdue")
    assert "var(--warn)" in overdue and "var(--on-warn)" in overdue
    assert "outline" in _rule(":focus-visible")


# -- navigation ----------------------------------------------------------------------------------

def _nav(html: str, label: str) -> lxml.html.HtmlElement:
    found = lxml.html.fromstring(html).xpath("//nav[@aria-label=$label]", label=label)
    assert found, f"no <nav aria-label={label!r}>"
    return found[0]


def _sections(nav: lxml.html.HtmlElement) -> dict[str, list[str]]:
    sections = {}
    for group in nav.xpath(".//ul[@aria-labelledby]"):
        title = nav.xpath(".//*[@id=$id]", id=group.get("aria-labelledby"))[0]
        sections[title.text_content().strip()] = [a.text_content().strip()
                                                  for a in group.xpath(".//a")]
    return sections


def test_the_navigation_is_grouped_with_incident_work_first(
    client: FlaskClient, factory: Factory,
) -> None:
    as_role(client, factory, "admin")
    html = client.get("/console/incidents").get_data(as_text=True)
    sections = _sections(_nav(html, "Console"))
    assert list(sections) == ["Incident response", "Audience", "Insight", "Admin"]
    assert sections["Incident response"][:2] == ["Dashboard", "Incidents"]
    assert "Subscribers" in sections["Audience"] and "Stakeholders" in sections["Audience"]
    assert "Reports" in sections["Insight"] and "Audit log" in sections["Admin"]
    # The same sections behind the phone's menu, with their own ids (no duplicate ids).
    doc = lxml.html.fromstring(html)
    menu = doc.xpath("//details[contains(@class, 'menu')]")[0]
    assert menu.xpath("./summary")[0].text_content().strip() == "Menu"
    assert _sections(menu) == sections
    all_ids = doc.xpath("//@id")
    assert len(all_ids) == len(set(all_ids))
    # Incident work is in the top bar, outside the menu: one tap away on a phone.
    quick = _nav(html, "Incident work")
    # (The "Awaiting approval" count joins them, hidden while nothing waits.)
    links = {a.text_content().strip(): a.get("href")
             for a in quick.xpath(".//li[not(@hidden)]/a")}
    assert links == {"Dashboard": "/console/", "Incidents": "/console/incidents",
                     "Declare incident": "/console/incidents/new"}
    current = doc.xpath("//a[@aria-current='page']")
    assert current and {a.get("href") for a in current} == {"/console/incidents"}
    assert not doc.xpath("//details[contains(@class, 'menu')]/@open")


def test_a_page_under_a_list_marks_that_list_in_the_navigation(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = factory.incident("Checkout errors")
    as_role(client, factory, "communicator")
    doc = lxml.html.fromstring(client.get(f"/console/incidents/{incident.public_id}")
                               .get_data(as_text=True))
    marked = {(a.get("href"), a.get("aria-current")) for a in doc.xpath("//a[@aria-current]")}
    assert marked == {("/console/incidents", "true")}  # sidebar, menu and top bar alike
    assert len(doc.xpath("//a[@aria-current]")) == 3


@pytest.mark.parametrize(("role", "declare", "admin"), [
    ("admin", True, True), ("communicator", True, False), ("viewer", False, False)])
def test_each_role_sees_the_sections_and_actions_it_may_use(
    client: FlaskClient, factory: Factory, role: str, declare: bool, admin: bool,
) -> None:
    as_role(client, factory, role)
    html = client.get("/console/").get_data(as_text=True)
    quick = [a.text_content().strip() for a in _nav(html, "Incident work").xpath(".//a")]
    assert ("Declare incident" in quick) is declare
    assert ("Admin" in _sections(_nav(html, "Console"))) is admin
    assert 'href="/console/account"' in html


def test_a_page_added_to_nav_but_to_no_section_is_still_listed(
    client: FlaskClient, factory: Factory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(console_package, "NAV",
                        [*console_package.NAV, ("console.audit_log", "Later page", "viewer")])
    monkeypatch.setattr(console_package, "NAV_SECTIONS", [
        (title, tuple(e for e in endpoints if e != "console.audit_log"))
        for title, endpoints in console_package.NAV_SECTIONS])
    as_role(client, factory, "admin")
    sections = _sections(_nav(client.get("/console/").get_data(as_text=True), "Console"))
    assert sections["More"] == ["Audit log", "Later page"]


def test_logged_out_pages_have_no_navigation(client: FlaskClient) -> None:
    html = client.get("/console/login").get_data(as_text=True)
    assert "<nav" not in html and "<details" not in html
