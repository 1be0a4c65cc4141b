"""The postmortem page's response metrics: measured to publication, from the declaration and
from the impact start, against the severity's targets, with the time in approval."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import PostmortemReview
from tests.console.conftest_content import as_role
from tests.factories import Factory
from tests.metrics_support import T0, approved_update, scripted_incident, set_targets


def _metrics(html: str) -> dict[str, str]:
    section = html[html.index('id="metrics-title"'):html.index("</section>",
                                                                html.index('id="metrics-title"'))]
    return {key: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", value)).strip() for key, value in
            re.findall(r'<dd id="metric-([a-z-]+)">(.*?)</dd>', section, re.S)}


@pytest.mark.parametrize("role", ["viewer", "communicator", "admin"])
def test_the_postmortem_shows_the_real_delays(
    client: FlaskClient, factory: Factory, role: str,
) -> None:
    set_targets("SEV1", first_update_minutes=15)
    # Impact at T0, declared at +4; the opening update drafted at +5 was approved 59 s later.
    incident = scripted_incident(T0, "SEV1", [], declared_minute=4)
    approved_update(incident, T0 + timedelta(minutes=5),
                    T0 + timedelta(minutes=5, seconds=59))
    approved_update(incident, T0 + timedelta(minutes=30), T0 + timedelta(minutes=50),
                    status="resolved")
    db.session.add(PostmortemReview(incident_id=incident.id, state="published",
                                    created_at=T0 + timedelta(hours=5),
                                    reviewed_at=T0 + timedelta(hours=5, minutes=12)))
    db.session.commit()
    as_role(client, factory, role)

    response = client.get(f"/console/incidents/{incident.public_id}/postmortem")

    assert response.status_code == 200
    metrics = _metrics(response.get_data(as_text=True))
    assert metrics["detection"] == "4 min"
    assert metrics["first-update"] == (
        "1 min from declaration, 5 min from impact start (target 15 min: met)")
    assert metrics["resolve"] == "50 min from impact start, 46 min from declaration"
    # Due 30 min after 5:59, resolved at 50: 14 of 50 minutes overdue.
    assert metrics["cadence"] == "72% of the time (an update every 30 min); longest gap 44 min"
    assert metrics["approval"] == (
        "2 updates waited: 20 min in all, longest 20 min; the postmortem waited 12 min")


def test_the_exact_case_59_seconds_not_0(client: FlaskClient, factory: Factory) -> None:
    set_targets("SEV2", first_update_minutes=None)  # the default plan has one: remove it
    incident = scripted_incident(T0, "SEV2", [])
    approved_update(incident, T0, T0 + timedelta(seconds=59))
    as_role(client, factory, "viewer")

    html = client.get(f"/console/incidents/{incident.public_id}/postmortem").get_data(
        as_text=True)

    first = _metrics(html)["first-update"]
    assert first.startswith("59 s from declaration, 59 s from impact start")
    assert "no first-update target set for SEV2" in first


def test_an_anonymous_visitor_is_sent_to_log_in(client: FlaskClient) -> None:
    incident = scripted_incident(T0, "SEV2", [5])
    response = client.get(f"/console/incidents/{incident.public_id}/postmortem")
    assert response.status_code in (302, 303)
    assert "/console/login" in response.headers["Location"]
