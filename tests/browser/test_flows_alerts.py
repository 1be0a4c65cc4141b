"""From an Alertmanager notification to a declared incident, in a real browser: the payload
(Alertmanager's documented shape) posted over HTTP to the live site, the proposal on the
dashboard, the prefilled composer, the incident with the alerts' internal note; every page on
the way passes axe-core, and so does the monitoring alerts page."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from tests.alert_support import documented, mapping, source
from tests.browser.a11y import assert_accessible
from tests.browser.conftest import PageMaker, login
from tests.factories import Factory


def test_an_alert_becomes_a_declared_incident(page: Page, new_page: PageMaker,
                                              factory: Factory) -> None:
    servers = factory.component("Servers")
    factory.component("Website")
    _am, token = source(name="Prometheus")
    mapping("job=node", servers, severity="SEV2", status="major_outage")

    answer = page.request.post("/hooks/alerts/alertmanager",
                               data=json.dumps(documented("alertmanager_firing")),
                               headers={"Authorization": f"Bearer {token}",
                                        "Content-Type": "application/json"})
    assert answer.status == 200, answer.text()
    proposal_id = answer.json()["proposal"]

    login(page, "communicator")
    card = page.locator(f"#proposal-{proposal_id}")
    expect(card).to_contain_text("Instance example1 down")
    expect(card).to_contain_text("Servers: Major Outage")
    assert_accessible(page, "dashboard with a proposed incident")

    card.get_by_role("link", name="Declare incident from this").click()
    expect(page.get_by_label("Title")).to_have_value("Instance example1 down")
    expect(page.get_by_label("Severity")).to_have_value("SEV2")
    expect(page.get_by_label("Servers")).to_have_value("major_outage")
    assert_accessible(page, "declaring from a proposal")
    page.get_by_role("button", name="Declare incident").click()

    page.wait_for_url(re.compile(r"/console/incidents/[^/]+$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Instance example1 down")
    expect(page.get_by_role("main")).to_contain_text(
        "example2 of job node has been down for more than 5 minutes.")

    admin = new_page()
    login(admin, "admin")
    for path in ("/console/alerts", f"/console/alerts/proposals/{proposal_id}"):
        loaded = admin.goto(path)
        assert loaded is not None and loaded.status == 200, path
        assert_accessible(admin, path)
