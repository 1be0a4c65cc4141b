"""The dashboard's open incidents and maintenance refresh without a reload: the fragment
console-refresh.js polls, and what it says about an incident the public cannot see yet."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from statuspage import ROOT
from statuspage.incidents.lifecycle import IncidentInput, open_incident
from statuspage.incidents.updates import UpdateInput
from tests.approval_support import require_approval
from tests.console.conftest_content import as_role
from tests.factories import Factory


def _declared_awaiting_approval(factory: Factory) -> str:
    require_approval()
    incident = open_incident(IncidentInput(
        name="Checkout failing", severity="SEV1",
        update=UpdateInput(status="investigating", body="Looking.")),
        factory.user(role="communicator"))
    assert incident.awaiting_approval
    return incident.public_id


@pytest.mark.parametrize("role", ["viewer", "communicator", "admin"])
def test_the_live_fragment_lists_an_incident_not_public_yet(
    client: FlaskClient, factory: Factory, role: str,
) -> None:
    public_id = _declared_awaiting_approval(factory)
    factory.maintenance("Database upgrade")
    as_role(client, factory, role)

    answer = client.get("/console/dashboard/live")

    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    html = answer.get_data(as_text=True)
    assert html.lstrip().startswith("<div id=\"dashboard-live\"")  # a fragment, not a page
    row = html[html.index(f'id="incident-{public_id}"'):]
    row = row[:row.index("</tr>")]
    assert "not public yet" in row and "No public update yet" in row
    assert "Database upgrade" in html


def test_the_dashboard_polls_the_fragment(client: FlaskClient, factory: Factory) -> None:
    public_id = _declared_awaiting_approval(factory)
    as_role(client, factory, "viewer")

    html = client.get("/console/").get_data(as_text=True)

    assert 'data-refresh-url="/console/dashboard/live"' in html
    assert "/static/console-refresh.js" in html
    assert f'id="incident-{public_id}"' in html  # the same fragment, in the page


def test_an_anonymous_visitor_is_sent_to_log_in(client: FlaskClient) -> None:
    answer = client.get("/console/dashboard/live")
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]


def test_on_a_phone_each_cell_names_its_column(client: FlaskClient, factory: Factory) -> None:
    # The phone layout hides the header row (static/console.css): the cells say what they are.
    _declared_awaiting_approval(factory)
    factory.maintenance("Database upgrade")
    as_role(client, factory, "viewer")
    html = client.get("/console/dashboard/live").get_data(as_text=True)
    for row in re.findall(r'<tr id="(?:incident|maintenance)-[^"]+">(.*?)</tr>', html, re.S):
        cells = re.findall(r"<td([^>]*)>", row)
        assert all('data-label="' in cell for cell in cells[1:]), row
    assert 'data-label="Last public update"' in html and 'data-label="Window"' in html
    css = (ROOT / "static" / "console.css").read_text()
    assert "td[data-label]::before" in css
