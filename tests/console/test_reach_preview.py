"""The composer's "Preview reach": counts per channel, the messages, and the fan-out agreeing."""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.models import Delivery, FanoutEvent, Incident, IncidentUpdate
from statuspage.models.plan import PUBLIC
from statuspage.plan.stakeholder_members import MemberInput
from tests.console.conftest_content import as_role, input_value, textarea_value
from tests.delivery_support import add_subscribers, queued_tasks, run_worker
from tests.factories import Factory
from tests.stakeholder_support import delivered_by_audience, group_with, store_plan

_ROW = re.compile(r'<tr data-audience="(\w+)" data-channel="(\w+)"><th scope="row">[^<]*</th>'
                  r'<td>\w+</td><td class="num">(\d+)</td></tr>')


def _rows(html: str) -> dict[tuple[str, str], int]:
    """{(audience, channel): recipients}: audience "public" or a group's public_id."""
    return {(audience, channel): int(count) for audience, channel, count in _ROW.findall(html)}


def _table(html: str) -> dict[str, int]:
    """The public audience's rows: {channel: recipients}."""
    return {channel: count for (audience, channel), count in _rows(html).items()
            if audience == "public"}


def test_preview_reach_on_a_new_incident_shows_counts_and_messages_and_saves_nothing(
    client: FlaskClient, factory: Factory
) -> None:
    add_subscribers(3)
    add_subscribers(2, "sms")
    as_role(client, factory, "communicator")

    response = client.post("/console/incidents/new", data={
        "name": "Checkout down", "severity": "SEV1", "status": "investigating",
        "body": "Payments **fail** <script>x()</script>", "deliver_notifications": "y",
        "action": "reach",
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _table(html) == {"email": 3, "sms": 2, "webhook": 0, "chat": 0}
    assert "Checkout down: Investigating" in html  # the email subject
    assert 'sandbox="" title="Email preview" srcdoc="' in html
    assert "<script>x()</script>" not in html
    sms = html_lib.unescape(re.search(r'<pre class="reach-sms">(.*?)</pre>', html, re.S)[1])
    assert "Checkout down" in sms and "Payments" in sms
    shown = re.search(r'class="reach-segments">(\d+) segments? \(GSM-7\)', html)
    assert shown is not None and int(shown[1]) == segments.analyse(sms).segments
    assert input_value(html, "name") == "Checkout down"
    assert textarea_value(html, "body") == "Payments **fail** <script>x()</script>"
    assert db.session.execute(select(Incident)).first() is None


def test_preview_reach_of_a_sev4_or_silent_update_says_no_one_is_notified(
    client: FlaskClient, factory: Factory
) -> None:
    add_subscribers(3)
    incident = factory.incident(severity="SEV4")
    as_role(client, factory, "communicator")

    response = client.post(f"/console/incidents/{incident.public_id}/updates", data={
        "status": "identified", "body": "Found it.", "visibility": "public",
        "deliver_notifications": "y", "action": "reach",
    })

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _table(html) == {}
    assert 'class="reach-none"' in html
    assert textarea_value(html, "body") == "Found it."


def test_the_fan_out_delivers_to_exactly_the_counts_the_preview_showed(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    web = factory.component("Web")
    add_subscribers(4, components=[api])
    add_subscribers(3, components=[web], start=10)
    add_subscribers(2, "sms", start=20)
    add_subscribers(2, "webhook")  # following every component
    add_subscribers(1, state="suppressed", start=30)
    incident = factory.incident(severity="SEV1")
    as_role(client, factory, "communicator")
    form = {"status": "identified", "body": "The API is back.", "visibility": "public",
            "deliver_notifications": "y", f"component-{api.id}": "degraded_performance"}

    preview = _table(client.post(f"/console/incidents/{incident.public_id}/updates",
                                 data={**form, "action": "reach"}).get_data(as_text=True))
    with queued_tasks():
        posted = client.post(f"/console/incidents/{incident.public_id}/updates",
                             data={**form, "action": "publish"})
        run_worker(app, only=["expand_event"])

    assert posted.status_code == 303
    update = db.session.execute(select(IncidentUpdate).filter_by(body="The API is back.")
                                ).scalar_one()
    event = db.session.execute(select(FanoutEvent).filter_by(update_id=update.id)).scalar_one()
    delivered = Counter(db.session.execute(
        select(Delivery.channel).where(Delivery.event_id == event.id)).scalars())
    # SEV1 "incident_update" is email, webhook and chat (no SMS): API's 4, not Web's 3, not
    # the suppressed one; both webhooks; no chat destination.
    assert preview == {"email": 4, "webhook": 2, "chat": 0}
    assert dict(delivered) == {channel: n for channel, n in preview.items() if n}


def test_stakeholder_groups_in_the_preview_are_exactly_the_deliveries_made(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    executives = group_with("Executives", MemberInput("Ada", "ada@example.com", "+12025550143"),
                            MemberInput("Bob", "bob@example.com"))
    support = group_with("Support", MemberInput("Ada", "ada@example.com"),
                         MemberInput("Cy", phone="+12025550144"))
    store_plan({PUBLIC: ["email"], "Executives": ["email", "sms"], "Support": ["sms"]})
    add_subscribers(3)
    add_subscribers(1, address=lambda n: "bob@example.com", start=50)  # Bob, publicly too
    incident = factory.incident(severity="SEV1", deliver_notifications=False)
    as_role(client, factory, "communicator")
    url = f"/console/incidents/{incident.public_id}/updates"

    for visibility, body in (("internal", "Failover started."), ("public", "Recovering.")):
        form = {"status": "identified", "body": body, "visibility": visibility,
                "deliver_notifications": "y"}
        html = client.post(url, data={**form, "action": "reach"}).get_data(as_text=True)
        preview = _rows(html)
        with queued_tasks():
            assert client.post(url, data={**form, "action": "publish"}).status_code == 303
            run_worker(app, only=["expand_event"])
        update = db.session.execute(select(IncidentUpdate).filter_by(body=body)).scalar_one()
        event = db.session.execute(select(FanoutEvent).filter_by(update_id=update.id)
                                   ).scalar_one()
        delivered = delivered_by_audience(event.id)
        # Every listed line is what was delivered; lines at zero are shown all the same.
        assert {key: n for key, n in preview.items() if n} == dict(delivered), visibility
        if visibility == "internal":
            assert 'class="reach-internal"' in html
            assert "[Internal]" in html  # the email subject shown
            assert preview == {(executives.public_id, "email"): 2,
                               (executives.public_id, "sms"): 1,
                               (support.public_id, "sms"): 1}
        else:
            assert 'class="reach-internal"' not in html
            # Bob is reached once, as a public subscriber; everyone else as before.
            assert preview == {("public", "email"): 4, (executives.public_id, "email"): 1,
                               (executives.public_id, "sms"): 1,
                               (support.public_id, "sms"): 1}
