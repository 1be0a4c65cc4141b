"""The composer's "Preview reach": counts per channel, the messages, and the fan-out agreeing."""

from __future__ import annotations

import html as html_lib
import re
from collections import Counter

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage import segments
from statuspage.extensions import db
from statuspage.models import Delivery, FanoutEvent, Incident, IncidentUpdate
from tests.console.conftest_content import as_role, input_value, textarea_value
from tests.delivery_support import add_subscribers, queued_tasks, run_worker
from tests.factories import Factory


def _table(html: str) -> dict[str, int]:
    return {channel: int(count) for channel, count in re.findall(
        r'<tr data-channel="(\w+)"><td>\w+</td><td class="num">(\d+)</td></tr>', html)}


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
    assert _table(html) == {"email": 3, "sms": 2}
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
    add_subscribers(2, "webhook")  # the default plan names no webhook at SEV1
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
    # SEV1 "incident_update" is email only: API's 4, not Web's 3, not the suppressed one.
    assert preview == {"email": 4}
    assert dict(delivered) == preview
