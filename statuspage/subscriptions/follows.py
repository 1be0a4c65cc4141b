"""Following one incident: "Get updates on this incident" on its public page.

A follower is a public Subscriber row with `incident_id` set (Statuspage calls them incident
subscribers): email or SMS, signed up with the same double opt-in as a page subscription
(subscribe.sign_up: confirmation link or texted code, the daily SMS budget, suppressed
addresses refused quietly), with its own manage and unsubscribe links. The fan-out reaches it
with that incident's public updates only, on the channels the plan chose for each event, and
without component filtering (plan.audience); an address also subscribed to the page gets each
message once, as a page subscriber.

When a follow ends (`end_finished_follows`, a periodic task): once the incident is closed
(resolved, or its postmortem published) and none of its fan-outs is still being expanded,
- at once if its postmortem is published: the followers got the resolving update, then the
  postmortem's notice (when the plan sends one), and that is the end of the story;
- otherwise POSTMORTEM_FOLLOW_DAYS after the resolution, so a postmortem published within
  that window reaches them (and so does a note posted on the resolved incident meanwhile).
"None of its fan-outs still being expanded" keeps the last message's recipients: a follow
never ends between a publish and the expansion that reads who follows.
An ended follow is unsubscribed with the reason "ended" and kept as consent history (when,
where and from which IP they agreed, what they got); like any subscriber who left, its
personal data is erased UNSUBSCRIBED_RETENTION_DAYS later (privacy.retention), leaving an
anonymous record that keeps the delivery counts right.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import exists, func, or_, select, update

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml, use_case
from statuspage.models import FanoutEvent, Incident, Page, Subscriber, utcnow
from statuspage.models.status import CLOSED_STATUSES
from statuspage.models.subscribers import EMAIL, FOLLOW_ENDED, SMS
from statuspage.page.record import get_page
from statuspage.subscriptions import subscribe as subscriptions

# Statuspage offers incident subscriptions by email and SMS; webhooks and chat follow the page.
FOLLOW_CHANNELS = (EMAIL, SMS)
# consent_source of a follow signed up on the incident's page.
INCIDENT_PAGE = "incident_page"
# Fan-out states of an event whose deliveries all exist (statuspage.delivery.expand).
EXPANDED = "done"


def follow_channels(page: Page) -> list[str]:
    """The channels an incident may be followed through: email and SMS where open."""
    if not page.allow_incident_subscribers:
        return []
    return [c for c in subscriptions.open_channels(page) if c in FOLLOW_CHANNELS]


def followable(incident: Incident, page: Page) -> bool:
    """Whether the incident's page offers "Get updates on this incident" now: a public
    incident (not a maintenance), still open, on a page that allows it."""
    return (not incident.is_maintenance and not incident.is_closed
            and not incident.awaiting_approval and bool(follow_channels(page)))


def incident_to_follow(public_id: str) -> Incident | None:
    """The incident a follow form names, if the public may see it (not awaiting approval)."""
    return db.session.execute(
        select(Incident).where(Incident.public_id == public_id,
                               Incident.awaiting_approval.is_(False))
    ).scalar_one_or_none()


@use_case
def follow(incident: Incident, channel: str, address: str, language: str,
           ip: str | None) -> Subscriber:
    """Start (or restart) a follow of the incident, with its double opt-in (see sign_up:
    the answer never reveals whether the address already follows it)."""
    page = get_page()
    if not followable(incident, page):
        raise DomainError(_("This incident can no longer be followed. Subscribe to the page "
                            "to hear about the next one."))
    channel = subscriptions.normalise_channel(channel)
    if channel not in follow_channels(page):
        raise DomainError(_("Choose how to receive updates: email or text message."),
                          "channel")
    normalised = subscriptions.normalise_address(channel, address)
    consent = subscriptions.Consent([], subscriptions.normalise_language(language), ip,
                                    INCIDENT_PAGE)
    return subscriptions.sign_up(channel, normalised, consent, incident.id)


def follower_counts(incident: Incident) -> dict[str, int]:
    """Active followers of the incident per channel (uq_subscriber_incident_address)."""
    rows = db.session.execute(
        select(Subscriber.channel, func.count())
        .where(Subscriber.incident_id == incident.id, Subscriber.confirmed_at.is_not(None),
               Subscriber.unsubscribed_at.is_(None), Subscriber.suppressed_at.is_(None))
        .group_by(Subscriber.channel)).all()
    return {channel: int(count) for channel, count in rows}


def finished_incidents(now: datetime) -> list[int]:
    """The incidents whose follows end now (see the module's rule)."""
    days = int(current_app.config["POSTMORTEM_FOLLOW_DAYS"])
    resolved = func.coalesce(Incident.resolved_at, Incident.updated_at)
    expanding = exists().where(FanoutEvent.incident_id == Incident.id,
                               FanoutEvent.state != EXPANDED)
    followed = exists().where(Subscriber.incident_id == Incident.id,
                              Subscriber.unsubscribed_at.is_(None),
                              Subscriber.suppressed_at.is_(None))
    return list(db.session.execute(
        select(Incident.id).where(
            Incident.status.in_(CLOSED_STATUSES), followed, ~expanding,
            or_(Incident.postmortem_published_at.is_not(None),
                resolved <= now - timedelta(days=days)))
        .order_by(Incident.id)
    ).scalars())


def end_finished_follows(now: datetime | None = None) -> int:
    """End the follows of incidents that are over (see the module); how many ended.

    One guarded UPDATE per incident, each committed: safe on every worker at once.
    """
    now = now or utcnow()
    ended = 0
    for incident_id in finished_incidents(now):
        ended += execute_dml(
            update(Subscriber)
            .where(Subscriber.incident_id == incident_id, Subscriber.unsubscribed_at.is_(None),
                   Subscriber.suppressed_at.is_(None))
            .values(unsubscribed_at=now, suppression_reason=FOLLOW_ENDED, code_hash=None,
                    code_expires_at=None)
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
    return ended
