"""What the incident and maintenance pages share: component selects, timeline, preview.

These prepare plain context for the templates (no queries or lazy loads in Jinja), and the
POST /console/preview route renders a markdown body exactly as the page will show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from flask import Response, request
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.core.rendering import markdown_html
from statuspage.incidents.updates import MAX_BODY
from statuspage.messages.approval_labels import review_note
from statuspage.models import Component, Incident, IncidentUpdate
from statuspage.page.queries import ordered_components
from statuspage.page.record import get_page

# The composer's buttons submit `action=preview`; `publish` (or none) publishes, and any
# other value is refused before the view runs (console/form_actions.py).
PREVIEW = "preview"


@dataclass(frozen=True)
class ComponentRow:
    """One component select: `optional` rows offer "not affected" (the empty value)."""

    component: Component
    selected: str
    optional: bool


@dataclass(frozen=True)
class Change:
    name: str
    old_status: str
    new_status: str


@dataclass(frozen=True)
class TimelineEntry:
    update: IncidentUpdate
    body_html: Markup
    internal: bool
    changes: list[Change] = field(default_factory=list)
    # How its review ended (approved, edited, break glass with the reason, withdrawn).
    review_note: str = ""


def page_zone() -> str:
    """The page's IANA time zone: forms read and show times in it."""
    return get_page().time_zone


def leaf_components() -> list[Component]:
    """Components (not groups) in display order: what an update can change."""
    return [c for c in ordered_components() if not c.is_group]


def component_rows(chosen: Mapping[int, str], affected: Iterable[Component] = (),
                   ) -> tuple[list[ComponentRow], list[ComponentRow]]:
    """(affected rows, other rows): affected ones always carry a status, others may not.

    `chosen` is what was typed (on re-render) and wins over the component's current status.
    """
    affected_ids = {c.id for c in affected if not c.is_group}
    rows_affected: list[ComponentRow] = []
    rows_other: list[ComponentRow] = []
    for component in leaf_components():
        if component.id in affected_ids:
            selected = chosen.get(component.id, component.status)
            rows_affected.append(ComponentRow(component, selected, optional=False))
        else:
            rows_other.append(ComponentRow(component, chosen.get(component.id, ""), True))
    return rows_affected, rows_other


def timeline(incident: Incident) -> list[TimelineEntry]:
    """Every update newest first, internal ones included and flagged, bodies sanitised."""
    entries = []
    for update in incident.updates:
        changes = [
            Change(change.component.display_name, change.old_status, change.new_status)
            for change in update.changes
        ]
        entries.append(TimelineEntry(update, markdown_html(update.body),
                                     update.visibility == "internal", changes,
                                     review_note(update)))
    return entries


def preview_of(body: str | None) -> Markup:
    return markdown_html(body or "")


@bp.post("/preview")
@require_role("communicator")
def preview() -> ResponseReturnValue:
    """The posted `body` as sanitised HTML: a fragment for the composer's live preview."""
    body = request.form.get("body", "")
    if len(body) > MAX_BODY:
        return Response(f"The message is longer than {MAX_BODY} characters.", 422,
                        mimetype="text/plain")
    response = Response(str(markdown_html(body)), mimetype="text/html")
    # A preview is private and changes with every keystroke: never store it anywhere.
    response.headers["Cache-Control"] = "no-store"
    return response
