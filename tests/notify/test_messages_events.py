"""A postmortem published and a maintenance reminder each have their own email and SMS wording."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask

from statuspage.core import segments
from statuspage.core.extensions import db
from statuspage.incidents import postmortems
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.incidents.maintenance import MaintenanceInput, schedule_maintenance
from statuspage.messages import build as messages
from statuspage.models import FanoutEvent, Incident
from statuspage.page.record import get_page
from tests.factories import Factory

BASE = "https://status.example.com"
START = datetime(2030, 5, 6, 10, 0, tzinfo=UTC)


def _event(incident: Incident, kind: str) -> FanoutEvent:
    # As the use-cases add them: no update of their own.
    event = FanoutEvent(kind=kind, incident_id=incident.id, update_id=None,
                        channels=["email", "sms"], component_ids=[])
    db.session.add(event)
    db.session.commit()
    return event


def _window(factory: Factory, name: str = "Router swap",
            length: timedelta = timedelta(hours=2)) -> Incident:
    api = factory.component("API")
    return schedule_maintenance(MaintenanceInput(
        name=name, scheduled_for=START, scheduled_until=START + length,
        body="We are **replacing** the core routers.", component_ids=[api.id],
        remind_before_minutes=60), None)


def _postmortem(factory: Factory, name: str = "Checkout errors") -> Incident:
    incident = factory.incident(name=name, severity="SEV2")
    resolve_incident(incident, "Fixed.", None)
    postmortems.save_draft(incident, "## What happened\nA bad deploy.", None)
    return postmortems.publish(incident, False, None)


def test_a_reminder_email_says_when_the_maintenance_starts_with_the_window(
    app: Flask, factory: Factory
) -> None:
    work = _window(factory, length=timedelta(hours=14, minutes=30))
    mail = messages.render_email(_event(work, "maintenance_reminder"), "en")

    assert mail.subject == ("[Acme] Scheduled maintenance starts at May 6, 2030 10:00 UTC: "
                            "Router swap")
    for part in (mail.text, mail.html):
        assert "Scheduled maintenance starts at May 6, 2030 10:00 UTC." in part
        assert "Maintenance window: May 6, 2030 10:00 UTC - May 7, 2030 00:30 UTC" in part
        assert "replacing" in part and "API" in part  # the announcement and its components
        assert f"{BASE}/incidents/{work.public_id}.ics" in part  # add to calendar
        assert "Scheduled for" not in part  # not the update email's wording
    assert "<strong>replacing</strong>" in mail.html
    assert "Manage your subscription" in mail.text and "__UNSUBSCRIBE_URL__" not in mail.subject
    # Its own Message-ID (the scheduling email's would make it a duplicate), same thread.
    scheduled = messages.render_email_for(messages.load_event(_event(work, "x")), "en")
    assert mail.message_id == f"<incident-{work.public_id}-reminder@status.example.com>"
    assert mail.message_id != scheduled.message_id
    assert mail.references == scheduled.references


def test_a_reminder_sms_gives_the_start_and_end_in_one_segment(
    app: Flask, factory: Factory
) -> None:
    work = _window(factory)
    body = messages.render_sms(_event(work, "maintenance_reminder"), "en").body

    assert body == ("Acme: Scheduled maintenance starts at May 6, 2030 10:00 UTC (until 12:00): "
                    f"Router swap\n{BASE}/incidents/{work.public_id}")
    assert segments.analyse(body) == segments.SegmentInfo("GSM-7", len(body), 1)


def test_a_reminder_sms_names_the_end_day_when_the_window_crosses_midnight(
    app: Flask, factory: Factory
) -> None:
    work = _window(factory, name="DB", length=timedelta(hours=20))
    body = messages.render_sms(_event(work, "maintenance_reminder"), "en").body

    assert "starts at May 6, 2030 10:00 UTC (until May 7, 2030 06:00 UTC): DB" in body
    assert segments.segment_count(body) == 1


def test_a_long_title_and_the_link_are_kept_whole_within_two_segments(
    app: Flask, factory: Factory
) -> None:
    get_page().name = "Example Corporation Cloud Platform Status"
    work = _window(factory, name="Replacement of the core routers and firewalls in every "
                                 "region, one availability zone at a time")
    body = messages.render_sms(_event(work, "maintenance_reminder"), "en").body

    assert segments.segment_count(body) <= 2
    assert f"\n{BASE}/incidents/{work.public_id}" in body  # whole, on its own line
    # One segment would cut the title to its first words: two keep it whole.
    assert "one availability zone at a time\n" in body


def test_a_postmortem_email_says_it_was_published_and_links_to_it(
    app: Flask, factory: Factory
) -> None:
    incident = _postmortem(factory)
    mail = messages.render_email(_event(incident, "postmortem_published"), "en")

    assert mail.subject == "[Acme] Postmortem published: Checkout errors"
    link = f"{BASE}/incidents/{incident.public_id}#postmortem"
    for part in (mail.text, mail.html):
        assert "Postmortem published" in part
        assert "We have published the postmortem of this incident" in part
        assert link in part
        assert "Resolved" not in part  # not the last update's status
    assert "Read the postmortem" in mail.html
    assert mail.message_id == f"<incident-{incident.public_id}-postmortem@status.example.com>"


def test_a_postmortem_sms_is_short_gsm7_with_its_link(app: Flask, factory: Factory) -> None:
    incident = _postmortem(factory)
    body = messages.render_sms(_event(incident, "postmortem_published"), "en").body

    link = f"{BASE}/incidents/{incident.public_id}#postmortem"
    assert body == (f"Acme: postmortem published for Checkout errors\n{link}\n"
                    "Reply STOP to unsubscribe")
    assert segments.analyse(body) == segments.SegmentInfo("GSM-7", len(body), 1)


def test_stakeholder_members_get_no_subscription_links(app: Flask, factory: Factory) -> None:
    work = _window(factory)
    event = _event(work, "maintenance_reminder")

    member = messages.render_email(event, "en", stakeholder=True)
    public = messages.render_email(event, "en")

    assert "Manage your subscription" in public.text
    assert "Manage your subscription" not in member.text
    assert "stakeholder group" in member.text and "stakeholder group" in member.html


def test_the_fan_out_sends_the_own_wording(app: Flask, factory: Factory) -> None:
    from statuspage.incidents import maintenance_automation as automation
    from tests.delivery_support import add_subscribers
    from tests.subscription_support import outbox

    add_subscribers(1)
    incident = factory.incident(name="Checkout errors", severity="SEV2")
    resolve_incident(incident, "Fixed.", None)
    postmortems.save_draft(incident, "A bad deploy.", None)
    _window(factory)
    before = {m.id for m in outbox("email")}

    postmortems.publish(incident, True, None)
    automation.run_due(now=START - timedelta(minutes=30))

    subjects = sorted(m.subject for m in outbox("email") if m.id not in before)
    assert subjects == [
        "[Acme] Postmortem published: Checkout errors",
        "[Acme] Scheduled maintenance starts at May 6, 2030 10:00 UTC: Router swap"]
