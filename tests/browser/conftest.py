"""Real-browser tests: the app as real processes, driven by Debian's Chromium through Playwright.

Fixtures (every test in this directory gets the `browser` marker automatically):

- `live_server` (session): a `LiveServer` — the Procfile's processes (gunicorn `web`, the
  `huey_consumer`s) on a private SQLite database in a temp instance folder, migrated by the
  Procfile's `release` (tests/browser/live.py). SendGrid and Twilio point at the session's
  local fakes (tests/fakes), so a test reads what was "sent" from `fake_sendgrid` /
  `fake_twilio`. `live_server.url` is the base URL (also
  PUBLIC_BASE_URL, so links in messages lead back to it); `live_server.app` is an in-process
  app on the same database for set-up and checks (the `factory` fixture here builds on it);
  `live_server.wait_for(check, what)` polls until the worker has done something.
- `users` (session): one console user per role, `{"admin", "communicator", "viewer",
  "approver"}` (approver: a second admin, for approvals); all share `PASSWORD`.
- autouse `_clean_site` (function): empties every table but `user`, bumps the cache version so
  the web processes drop cached pages, resets the fakes and routes in-process Huey tasks to
  the live database; each test starts on an empty page.
- `browser` (session); `page` (function, a fresh context: no cookies from other tests) and
  `new_page(**context_options)` for a second user or another viewport/colour scheme.
- `login(page, role)`: logs `page` in through the real form and waits for the dashboard.

Without Chromium (or Playwright) the directory is skipped with the reason; with
REQUIRE_BROWSER=1 (CI) that is an error instead, so CI cannot go green without these tests.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from statuspage.core.extensions import db
from statuspage.tasks import queues as tasks
from tests.browser.live import LiveServer, reset_database, running_site
from tests.factories import PASSWORD, Factory
from tests.fakes.providers import FakeSendGrid, FakeTwilio

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright
    from playwright.sync_api import Page as BrowserPage

HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
REQUIRED = os.environ.get("REQUIRE_BROWSER", "") == "1"
ADMIN_EMAIL = "admin@example.com"
ROLE_EMAILS = {"admin": ADMIN_EMAIL, "communicator": "communicator@example.com",
               "viewer": "viewer@example.com", "approver": "approver@example.com"}

try:
    import playwright.sync_api  # noqa: F401
except ImportError:  # pragma: no cover - depends on the machine
    _PLAYWRIGHT_MISSING = True
else:
    _PLAYWRIGHT_MISSING = False


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if _PLAYWRIGHT_MISSING:
        return "Playwright is not installed (pip install -e '.[dev]')"
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
    return None


if _PLAYWRIGHT_MISSING and not REQUIRED:
    # The test modules import Playwright; without it they could not even be collected.
    collect_ignore_glob = ["test_*.py"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark everything here `browser`, before `-m "not browser"` deselects by marker."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]
                              ) -> Iterator[None]:
    """A failed test's report carries the server processes' logs (tracebacks live there)."""
    report = yield
    server = getattr(item, "funcargs", {}).get("live_server")
    if report.failed and isinstance(server, LiveServer):
        report.sections.append(("live server logs", server.log_tail()))
    return report


def pytest_report_header() -> str | None:
    reason = _missing()
    if reason is None:
        return None
    verdict = "FAIL (REQUIRE_BROWSER=1)" if REQUIRED else "skipped"
    return f"browser tests {verdict}: {reason}"


@pytest.fixture(scope="session", autouse=True)
def _require_browser() -> None:
    reason = _missing()
    if reason is None:
        return
    if REQUIRED:
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def live_server(_require_browser: None, tmp_path_factory: pytest.TempPathFactory,
                _fake_sendgrid_server: FakeSendGrid, _fake_twilio_server: FakeTwilio,
                ) -> Iterator[LiveServer]:
    """The site as real processes (see tests/browser/live.py), for the whole session."""
    with running_site(tmp_path_factory.mktemp("live-site"), _fake_sendgrid_server.url,
                      _fake_twilio_server.url) as server:
        yield server


@pytest.fixture(scope="session")
def users(live_server: LiveServer) -> dict[str, str]:
    """Role → email of a console user (password PASSWORD); "approver" is a second admin."""
    with live_server.app.app_context():
        factory = Factory()
        for role, email in ROLE_EMAILS.items():
            factory.user(role="admin" if role == "approver" else role, email=email,
                         name=role.title())
        db.session.remove()
    return dict(ROLE_EMAILS)


@pytest.fixture(autouse=True)
def _clean_site(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty page for each test; in-process (immediate) Huey tasks use the live database."""
    if "live_server" not in request.fixturenames:
        return
    server: LiveServer = request.getfixturevalue("live_server")
    request.getfixturevalue("users")
    server.check_alive()
    with server.app.app_context():
        reset_database()
        db.session.remove()
    # tasks._app is the first app the test process built; set-up through Factory here must fan
    # out against the live database, with the fake providers, not the unit tests' database.
    monkeypatch.setattr(tasks, "_app", server.app)
    for fake in ("_fake_sendgrid_server", "_fake_twilio_server"):
        request.getfixturevalue(fake).reset()


# -- the browser --------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def playwright_session(_require_browser: None) -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
    yield browser
    browser.close()


PageMaker = Callable[..., "BrowserPage"]


@contextmanager
def page_maker(browser: Browser, base_url: str) -> Iterator[PageMaker]:
    """`make(**context_options)`: a page in a fresh context (its own cookies) on the site at
    `base_url`, 1280x800 unless `viewport=` says otherwise; every context closed after."""
    contexts: list[Any] = []

    def make(**options: Any) -> BrowserPage:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        options.setdefault("locale", "en-US")
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(15_000)
        # Loopback only: anything else (a CDN, a font) is a bug, and must not leave the machine.
        context.route(lambda url: not url.startswith(("http://127.0.0.1", "data:", "about:")),
                      lambda route: route.abort())
        contexts.append(context)
        return context.new_page()

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def new_page(browser: Browser, live_server: LiveServer) -> Iterator[PageMaker]:
    """`new_page(**context_options)`: a page in a fresh context on the live server (see
    `page_maker`); a second user gets another `new_page()`."""
    with page_maker(browser, live_server.url) as make:
        yield make


@pytest.fixture
def page(new_page: PageMaker) -> BrowserPage:
    """The test's main page (see `new_page`); a second user gets another `new_page()`."""
    return new_page()


def login(page: BrowserPage, role: str = "admin") -> None:
    """Log in through the real form as the user of `role` (see ROLE_EMAILS)."""
    page.goto("/console/login")
    page.get_by_label("Email").fill(ROLE_EMAILS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/console" in url and "/login" not in url)


@pytest.fixture
def factory(live_server: LiveServer) -> Iterator[Factory]:
    """Factory on the live database (inside an app context for the whole test)."""
    with live_server.app.app_context():
        yield Factory()
        db.session.remove()
