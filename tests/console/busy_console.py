"""A console in the middle of a busy day, for tests that look at every console page.

`busy_console(factory)` fills the database with one of each thing a console page shows: an
open SEV1 incident with a public update overdue and a draft waiting for approval, a resolved
incident with a published postmortem and another with a draft, action items open and done,
maintenance scheduled, subscribers, a stakeholder group with members, templates, an API token,
users (one deactivated). Built through the same use-cases the console calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from statuspage.accounts import api_tokens
from statuspage.accounts.users import deactivate
from statuspage.core.extensions import db
from statuspage.incidents import postmortems
from statuspage.incidents.lifecycle import post_update, resolve_incident
from statuspage.incidents.templates import seed_default_templates
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Component, Incident, User, utcnow
from statuspage.plan import save as plan_save
from statuspage.plan import stakeholder_members, stakeholders, yaml_io
from statuspage.subscriptions.admin import NewSubscriber, add_subscriber
from tests.factories import Factory


@dataclass
class BusyConsole:
    author: User
    incident: Incident
    resolved: Incident
    maintenance: Incident


def busy_console(factory: Factory) -> BusyConsole:
    plan_save.seed_default_plan()
    seed_default_templates()
    group = factory.group("Platform")
    api = factory.component("API", group=group)
    website = factory.component("Website", group=group)
    factory.component("Email delivery")
    author = factory.user(role="communicator", email="author@example.com", name="Author",
                          phone="+4791234567")
    factory.user(role="viewer", email="viewer@example.com")
    deactivate(factory.user(role="viewer", email="gone@example.com"), None)

    resolved = _resolved(factory, "Slow search", api)
    postmortems.save_draft(resolved, "## Summary\n\nSearch was slow.", None)
    postmortems.publish(resolved, False, None)
    postmortems.add_action_item(resolved, "Add an index", "Search team",
                                utcnow().date() - timedelta(days=1), None)
    done = postmortems.add_action_item(resolved, "Alert on latency", "", None, None,
                                       owner_id=author.id)
    postmortems.set_action_item_done(resolved, done.id, True, None)
    draft = _resolved(factory, "Login errors", website)
    postmortems.save_draft(draft, "Draft analysis.", None)

    incident = factory.incident(
        "Checkout unavailable", severity="SEV1", started_at=utcnow() - timedelta(hours=2),
        components={api: "major_outage", website: "partial_outage"},
        body="Customers cannot pay. We are investigating.",
        display_at=utcnow() - timedelta(hours=1, minutes=30))
    incident.comms_lead_id = author.id
    db.session.commit()
    post_update(incident, UpdateInput(status="investigating", visibility="internal",
                                      body="Payments provider returns 502."), author)
    # From now on public updates wait for a second person: the author's next one is a draft.
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    post_update(incident, UpdateInput(status="identified",
                                      body="We found the cause and are rolling back."), author)

    maintenance = factory.maintenance("Database upgrade", components=[api])

    add_subscriber(NewSubscriber(channel="email", address="ana@example.com",
                                 pre_confirmed=True, consent_note="Signed up at the fair"),
                   None)
    add_subscriber(NewSubscriber(channel="sms", address="+4798765432"), None)
    stakeholder_group = stakeholders.create_group("Board", "Board members", None)
    stakeholder_members.add_member(stakeholder_group, stakeholder_members.MemberInput(
        name="Chief", email="chief@example.com", phone="+4790000001"), None)
    api_tokens.create_token("Monitoring", "write", None)
    return BusyConsole(author=author, incident=incident, resolved=resolved,
                       maintenance=maintenance)


def _resolved(factory: Factory, name: str, component: Component) -> Incident:
    incident = factory.incident(name, severity="SEV3", components={component: "partial_outage"},
                                started_at=utcnow() - timedelta(days=2))
    resolve_incident(incident, "Fixed.", None)
    return incident
