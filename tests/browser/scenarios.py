"""Page states for the accessibility and screenshot tests, built in-process on the live database.

Each builder takes the `factory` fixture (whose app context is open) and returns what a test
needs to find again. They call the same use-cases as the console, so the page shows them as
it would show the real thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import resolve_incident
from statuspage.incidents.maintenance import start_maintenance
from statuspage.models import Component, Incident, utcnow
from tests.factories import Factory


@dataclass
class Site:
    """The components every state starts from, and the incidents a state added."""

    api: Component
    website: Component
    email: Component
    past: Incident
    incident: Incident | None = None
    maintenance: Incident | None = None


def operational(factory: Factory) -> Site:
    """A group of two components, one on its own, and a resolved incident in the history."""
    # In use for longer than the bars reach back: a full 90 days of history, not "no data".
    since = (utcnow() - timedelta(days=120)).date()
    platform = factory.group("Platform", description="Public APIs and the web app.")
    api = factory.component("API", group=platform, description="REST and GraphQL endpoints.",
                            start_date=since)
    website = factory.component("Website", group=platform, start_date=since)
    email = factory.component("Email delivery", start_date=since)
    started = utcnow() - timedelta(days=3, hours=2)
    past = factory.incident("Delayed email delivery", severity="SEV3", started_at=started,
                            components={email: "degraded_performance"},
                            body="Emails are delayed by up to **20 minutes**.")
    resolve_incident(past, "Queues drained; delivery is back to normal.", None,
                     display_at=started + timedelta(hours=1, minutes=10))
    return Site(api=api, website=website, email=email, past=past)


def degraded(factory: Factory) -> Site:
    site = operational(factory)
    site.incident = factory.incident(
        "Slow API responses", severity="SEV3", status="identified",
        components={site.api: "degraded_performance"},
        body="Some requests take several seconds. We found a slow database query.")
    return site


def major_outage(factory: Factory) -> Site:
    site = operational(factory)
    site.incident = factory.incident(
        "Website and API unavailable", severity="SEV1",
        components={site.api: "major_outage", site.website: "major_outage"},
        body="Nobody can reach the website or the API. We are investigating.")
    return site


def maintenance(factory: Factory) -> Site:
    """A window in progress (components under maintenance) and one coming up."""
    site = operational(factory)
    window = factory.maintenance("Database failover test", starts_in=timedelta(minutes=-30),
                                 components=[site.api, site.website],
                                 body="Writes may pause for a few seconds.")
    start_maintenance(window, "The failover test has started.", None)
    factory.maintenance("Network upgrade", starts_in=timedelta(days=3),
                        components=[site.email], body="Short interruptions are possible.")
    site.maintenance = window
    db.session.commit()
    return site


STATES = {"operational": operational, "degraded": degraded, "major_outage": major_outage,
          "maintenance": maintenance}
