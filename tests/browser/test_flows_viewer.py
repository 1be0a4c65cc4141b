"""A viewer reads the console but finds no editing control, and a forced POST is refused."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import Component, Incident
from tests.browser.conftest import login
from tests.browser.live import LiveServer
from tests.browser.support import csrf_token
from tests.factories import Factory

# Buttons and links that change something; none may be offered to a viewer.
EDITING = re.compile(r"^(new|add|edit|delete|remove|open incident|post update|resolve|schedule"
                     r"|save|import|approve|reject|start|complete|invite|create|publish"
                     r"|declare)", re.I)


def test_a_viewer_sees_no_editing_controls_and_a_forced_post_is_refused(
    page: Page, live_server: LiveServer, factory: Factory,
) -> None:
    api = factory.component("API")
    incident = factory.incident("Elevated errors", components={api: "degraded_performance"})
    login(page, "viewer")

    nav = page.get_by_role("navigation", name="Console").get_by_role("link")
    targets = [href for href in nav.evaluate_all("links => links.map(a => a.pathname)")
               if href != "/console/account"]  # a viewer may change their own password
    targets.append(f"/console/incidents/{incident.public_id}")
    assert "/console/incidents" in targets and "/console/components" in targets
    for target in targets:
        answer = page.goto(target)
        assert answer is not None and answer.status == 200, target
        main = page.locator("main")
        assert main.locator("form[method=post]").count() == 0, target
        # A GET form (search, filters) changes nothing; any other input would be an editor.
        editable = main.locator(":is(textarea, select, input:not([type=hidden]))"
                                ":not(form[method=get] *)")
        assert editable.count() == 0, (target, editable.evaluate_all(
            "els => els.map(e => e.outerHTML)"))
        offered = main.get_by_role("button").all_inner_texts() + \
            main.get_by_role("link").all_inner_texts()
        assert not [t for t in offered if EDITING.match(t.strip())], (target, offered)
    expect(page.get_by_role("heading", level=1)).to_have_text("Elevated errors")

    for editor in ("/console/incidents/new", "/console/components/new", "/console/plan/import"):
        answer = page.goto(editor)
        assert answer is not None and answer.status in (403, 405), editor

    # Forced: a valid CSRF token (the log-out form's) on requests the UI never offered.
    page.goto("/console/")
    token = csrf_token(page)
    forced = {
        "/console/incidents/new": {"name": "Forged", "severity": "SEV1", "status": "investigating",
                                   "body": "x", "action": "publish"},
        f"/console/incidents/{incident.public_id}/updates": {"status": "identified",
                                                             "body": "x", "action": "publish"},
        "/console/components/new": {"name": "Forged component"},
    }
    for path, form in forced.items():
        answer = page.request.post(path, form={"csrf_token": token, **form}, max_redirects=0)
        assert answer.status == 403, (path, answer.status)
    db.session.expire_all()
    assert db.session.execute(select(func.count(Incident.id))).scalar() == 1
    assert db.session.execute(select(func.count(Component.id))).scalar() == 1
    assert len(db.session.get(Incident, incident.id).updates) == 1
