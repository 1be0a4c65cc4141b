"""The console's list of follow-up actions across incidents."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.incidents import postmortems
from statuspage.incidents.follow_ups import page_today
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.models import Incident
from tests.console.conftest import LoginHelper
from tests.factories import Factory

URL = "/console/follow-ups"


def _resolved(factory: Factory, name: str) -> Incident:
    incident = factory.incident(name=name, severity="SEV2")
    resolve_incident(incident, "Fixed.", None)
    return incident


def _items(factory: Factory) -> tuple[Incident, Incident]:
    today = page_today()
    login_incident, checkout = _resolved(factory, "Login failures"), _resolved(factory, "Checkout")
    postmortems.add_action_item(login_incident, "Add a login canary", "SRE",
                                today + timedelta(days=7), None)
    postmortems.add_action_item(checkout, "Fix the retry storm", "Payments",
                                today - timedelta(days=2), None)
    postmortems.add_action_item(checkout, "Write the runbook", "SRE", None, None)
    done = postmortems.add_action_item(checkout, "Roll back the release", "SRE",
                                       today - timedelta(days=5), None)
    postmortems.set_action_item_done(checkout, done.id, True, None)
    return login_incident, checkout


def _titles(page: str) -> list[str]:
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r"<tr[^>]*>\s*<td>([^<]+)</td>", body)


@pytest.mark.parametrize("role", ["admin", "communicator", "viewer"])
def test_every_console_role_sees_the_list_and_its_nav_link(
    app: Flask, factory: Factory, login: LoginHelper, role: str
) -> None:
    _items(factory)
    client = app.test_client()
    login(client, role=role)

    page = client.get(URL)

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Fix the retry storm" in text
    assert f'href="{URL}" aria-current="page">Follow-ups</a>' in text


def test_anonymous_visitors_are_sent_to_log_in(client: FlaskClient) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/console/login?next=")


def test_open_actions_soonest_due_first_with_overdue_ones_marked_in_words(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    _, checkout = _items(factory)
    login(client, role="viewer")

    page = client.get(URL).get_data(as_text=True)

    assert _titles(page) == ["Fix the retry storm", "Add a login canary", "Write the runbook"]
    overdue_row = re.search(r'<tr class="overdue">.*?</tr>', page, re.S)
    assert overdue_row and "Fix the retry storm" in overdue_row.group(0)
    assert '<strong class="tag overdue">OVERDUE</strong>' in overdue_row.group(0)
    assert page.count("OVERDUE") == 1
    assert "1 is overdue." in page
    assert f'href="/console/incidents/{checkout.public_id}/postmortem#actions-title">Checkout' \
        in overdue_row.group(0)


def test_done_actions_are_hidden_until_asked_for(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    _items(factory)
    login(client, role="viewer")

    page = client.get(URL).get_data(as_text=True)
    assert "Roll back the release" not in page
    assert f'href="{URL}?done=1">Show done actions too</a>' in page

    with_done = client.get(f"{URL}?done=1").get_data(as_text=True)
    assert _titles(with_done)[0] == "Roll back the release"  # its due date is the earliest
    assert "Hide done actions" in with_done
    assert with_done.count("OVERDUE") == 1  # a done action is never overdue


def test_the_list_filters_by_owner(
    client: FlaskClient, factory: Factory, login: LoginHelper
) -> None:
    _items(factory)
    login(client, role="viewer")

    page = client.get(f"{URL}?owner=SRE").get_data(as_text=True)

    assert _titles(page) == ["Add a login canary", "Write the runbook"]
    assert '<option value="SRE" selected>SRE</option>' in page
    assert '<option value="Payments">Payments</option>' in page
    assert "No open follow-up actions for Nobody." in client.get(
        f"{URL}?owner=Nobody").get_data(as_text=True)


def test_an_empty_list_says_so(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    assert "No open follow-up actions." in client.get(URL).get_data(as_text=True)
