"""Honest states in the console: "No public update yet" until the public has seen one (an
opening update waiting for approval, or only internal notes), when the first is due, and a
timeline that marks internal updates as internal."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from statuspage.incidents.lifecycle import IncidentInput, open_incident, post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, utcnow
from tests.console.conftest_content import as_role
from tests.factories import Factory
from tests.metrics_support import declared_at, set_targets

PAGES = ["/console/", "/console/incidents", "/console/incidents/{id}"]


def _declare(factory: Factory, name: str, minutes_ago: int, severity: str = "SEV1",
             visibility: str = "public") -> Incident:
    """An incident declared (impact start too) `minutes_ago`, its opening update posted then."""
    author = factory.user(role="communicator")
    at = utcnow() - timedelta(minutes=minutes_ago)
    incident = open_incident(IncidentInput(
        name=name, severity=severity, started_at=at,
        update=UpdateInput(status="investigating", body="Looking.", visibility=visibility),
    ), author)
    return declared_at(incident, at)


def _cell(html: str, name: str) -> str:
    """The incident's dashboard/list row, or the detail page's cadence."""
    if 'id="cadence"' in html:
        start = html.index('id="cadence"')
        return html[start:html.index("</dd>", start)]
    # On the dashboard the row, not the approval card above it that names the incident too.
    table = html[html.index('id="open-incidents"'):] if 'id="open-incidents"' in html else html
    start = table.index(name)
    # The cells' data-label attributes (column names for the phone layout) are no text.
    return re.sub(r' data-label="[^"]*"', "", table[start:table.index("</tr>", start)])


def _get(client: FlaskClient, path: str, incident: Incident) -> str:
    return client.get(path.format(id=incident.public_id)).get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_an_opening_update_waiting_for_approval_is_no_public_update(
    client: FlaskClient, factory: Factory, path: str,
) -> None:
    set_targets("SEV1", first_update_minutes=15, approval=True)
    incident = _declare(factory, "Checkout down", 5)
    assert incident.awaiting_approval
    as_role(client, factory, "viewer")

    cell = _cell(_get(client, path, incident), "Checkout down")

    assert "No public update yet" in cell
    assert "Last public update" not in cell
    assert re.search(r"the first is due in (9|10) min \(target: within 15 min of declaring\)",
                     cell)
    assert "1 waits for approval" in cell
    assert "OVERDUE" not in cell


@pytest.mark.parametrize("path", PAGES)
def test_an_overdue_first_update_is_overdue(
    client: FlaskClient, factory: Factory, path: str,
) -> None:
    set_targets("SEV1", first_update_minutes=15, approval=True)
    incident = _declare(factory, "Checkout down", 25)
    as_role(client, factory, "viewer")

    cell = _cell(_get(client, path, incident), "Checkout down")

    assert "No public update yet" in cell
    assert re.search(r'<strong class="tag overdue">OVERDUE</strong> by (9|10) min \(target: '
                     r"the first within 15 min of declaring\)", cell)


def test_without_a_target_the_first_is_due_a_cadence_after_the_start(
    client: FlaskClient, factory: Factory,
) -> None:
    # SEV2 without a first-update target: an update every 60 minutes from the start.
    set_targets("SEV2", first_update_minutes=None)
    incident = _declare(factory, "Slow search", 70, severity="SEV2", visibility="internal")
    as_role(client, factory, "viewer")

    cell = _cell(_get(client, "/console/incidents", incident), "Slow search")

    assert "No public update yet" in cell
    assert re.search(r"OVERDUE</strong> by (9|10) min \(an update every 60 min from the start\)",
                     cell)


def test_the_dashboard_counts_neither_a_draft_nor_an_internal_note_as_a_public_update(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = _declare(factory, "Checkout down", 45)
    set_targets("SEV1", approval=True)
    post_update(incident, UpdateInput(status="identified", body="Internal words.",
                                      visibility="internal"), None)
    post_update(incident, UpdateInput(status="identified", body="Waiting words."), None)
    as_role(client, factory, "viewer")

    row = _cell(_get(client, "/console/", incident), "Checkout down")

    published = incident.updates[-1].published_at
    assert published is not None
    assert f'datetime="{published.isoformat(timespec="seconds")}' in row
    assert re.search(r"Last public update 4[56] min ago; <strong", row)
    assert "1 waits for approval" in row


def test_the_dashboard_says_no_public_update_yet_for_an_internal_only_incident(
    client: FlaskClient, factory: Factory,
) -> None:
    _declare(factory, "Quiet one", 5, severity="SEV3", visibility="internal")
    as_role(client, factory, "viewer")

    row = _cell(client.get("/console/").get_data(as_text=True), "Quiet one")

    assert row.count("No public update yet") == 2  # the last-update column and the cadence


def test_the_timeline_marks_internal_updates_as_not_public(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = _declare(factory, "Checkout down", 5)
    post_update(incident, UpdateInput(status="identified", body="Secret words.",
                                      visibility="internal"), None)
    as_role(client, factory, "viewer")

    html = _get(client, "/console/incidents/{id}", incident)

    items = re.findall(r'<li class="update( internal)?">(.*?)</li>', html, re.S)
    marked = {("Secret words." in body): bool(internal) for internal, body in items}
    assert marked == {True: True, False: False}
    internal = next(body for flag, body in items if flag)
    assert "Internal: stakeholders only, not public" in internal
    public = next(body for flag, body in items if not flag)
    assert "not public" not in public
