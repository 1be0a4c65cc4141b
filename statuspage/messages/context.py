"""What every subscriber message about an event needs: the incident, the update, the links.

Loaded once per render from the fan-out event, so the email, SMS and webhook renderers agree on
which update they announce and how its components and times read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale

from statuspage.core.extensions import db
from statuspage.core.i18n import format_when, language_for
from statuspage.core.markdown_text import markdown_text
from statuspage.messages.templating import status_label
from statuspage.models import Component, FanoutEvent, Incident, IncidentUpdate, Page
from statuspage.page.record import get_page


@dataclass(frozen=True)
class AffectedComponent:
    name: str
    status: str  # label of the status after the update
    old_status: str
    changed: bool


@dataclass(frozen=True)
class EventContext:
    page: Page
    incident: Incident
    update: IncidentUpdate
    base_url: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.page.time_zone)

    @property
    def incident_url(self) -> str:
        return f"{self.base_url}/incidents/{self.incident.public_id}"

    @property
    def status_label(self) -> str:
        return status_label(self.update.status)

    @property
    def host(self) -> str:
        return mail_host(self.base_url)

    def affected_components(self) -> list[AffectedComponent]:
        """The components the update names, with their status after it.

        An update that names none (a follow-up note) shows the incident's components as they
        are now, so the reader still sees what is affected.
        """
        if self.update.changes:
            return [
                AffectedComponent(c.component.display_name, status_label(c.new_status),
                                  status_label(c.old_status), c.old_status != c.new_status)
                for c in self.update.changes
            ]
        return [_current(c) for c in self.incident.components if not c.is_group]

    def when(self, value: datetime | None) -> str:
        """"Nov 25, 2022 15:50 UTC" in the page's zone, written for the current language."""
        return format_time(value, self.zone)


def _current(component: Component) -> AffectedComponent:
    label = status_label(component.status)
    return AffectedComponent(component.display_name, label, label, False)


def format_time(value: datetime | None, zone: ZoneInfo) -> str:
    """"Nov 25, 2022 15:50 UTC" / "25. nov. 2022 kl. 15:50 CET"; "" for no time."""
    return "" if value is None else format_when(value, zone, "message")


def text_of(markdown: str | None) -> str:
    """A markdown body as plain text for text/plain parts and SMS: paragraphs, list items,
    headings and links keep their lines (statuspage.core.markdown_text); an SMS collapses them."""
    return markdown_text(markdown)


def base_url() -> str:
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


# The console pages messages link to. The worker's app registers no routes (it leaves the
# web's code out of its memory), so these links are built from the paths here;
# tests/test_console_links.py checks each against the console's own route.
CONSOLE_PATHS = {
    "console.incident_detail": "/console/incidents/{public_id}",
    "console.maintenance_detail": "/console/maintenance/{public_id}",
    "console.postmortem": "/console/incidents/{public_id}/postmortem",
    "console.alert_proposal": "/console/alerts/proposals/{public_id}",
}


def console_link(endpoint: str, public_id: str, anchor: str = "") -> str:
    """Absolute link to a console page of an incident (or an alert proposal), built without a
    request or routes."""
    path = CONSOLE_PATHS[endpoint].format(public_id=quote(public_id, safe=""))
    return f"{base_url()}{path}{'#' + anchor if anchor else ''}"


def mail_host(url: str) -> str:
    """The right-hand side of our Message-IDs: the public host name."""
    return urlsplit(url).hostname or "localhost"


def load_event(event: FanoutEvent) -> EventContext:
    """The incident and the update an event announces.

    An event without an update (a maintenance reminder) announces the latest public update.
    """
    incident = db.session.get(Incident, event.incident_id) if event.incident_id else None
    if incident is None:
        raise LookupError(f"fan-out event {event.id} names no incident")
    update = db.session.get(IncidentUpdate, event.update_id) if event.update_id else None
    if update is None:
        public = incident.public_updates
        if not public:
            raise LookupError(f"incident {incident.public_id} has no public update")
        update = public[0]
    return EventContext(page=get_page(), incident=incident, update=update, base_url=base_url())


def render_localised(kind: str, name: str, ext: str, language: str, **context: object) -> str:
    """Render templates/messages/<kind>/<name>.<ext> in the reader's language.

    The templates' strings go through gettext (translations/<lang>/LC_MESSAGES); a language
    without a catalog reads English. Callers that compute text outside the template too (a
    subject, a status label) run under `force_locale(language_for(language))` themselves.
    """
    language = language_for(language)
    with force_locale(language):
        return render_template(f"messages/{kind}/{name}.{ext}", language=language, **context)
