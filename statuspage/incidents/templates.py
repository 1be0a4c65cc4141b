"""Message templates per phase: create, update, delete, render and the default set.

Placeholders are written `{name}`; the known names are in PLACEHOLDERS. `{{` and `}}` stand for
literal braces. Decision: a template naming an unknown placeholder, or using anything beyond a
bare name (`{a.b}`, `{a[0]}`, `{a!r}`, `{a:>9}`), or with an unmatched brace, is REFUSED when
saved, with an error naming the offenders, so a typo is caught by its author and never reaches
subscribers. Rendering never calls `str.format` or `eval`: it walks the parsed pieces and
substitutes plain strings, and anything it does not know (only possible for rows written
around the use-cases) is left as typed.

Values are plain text; the result is markdown that is later sanitised by
statuspage.core.rendering.markdown_html wherever it is shown, so markup in a value stays inert.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from string import Formatter
from zoneinfo import ZoneInfo

from sqlalchemy import select

from statuspage import audit
from statuspage.core.errors import Conflict, DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.timefmt import zone_abbreviation
from statuspage.core.transaction import use_case
from statuspage.models import TEMPLATE_PHASES, MessageTemplate, User, utcnow

PLACEHOLDERS = ("page_name", "incident_title", "affected_components", "next_update_time",
                "status")
MAX_NAME, MAX_TITLE, MAX_BODY, MAX_SMS = 100, 255, 10_000, 480
# The SMS text of one update (a template's SMS wording filled in, or typed): two GSM-7
# segments' worth, Twilio's advice; the page name, link and STOP line are added to it.
MAX_UPDATE_SMS = 320
# Said when the plan sets no cadence: reads well after "We will post another update".
NO_CADENCE = "soon"
PHASE_LABELS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "maintenance_scheduled": "Maintenance scheduled",
    "maintenance_started": "Maintenance started",
    "maintenance_completed": "Maintenance completed",
    "postmortem": "Postmortem",
}


@dataclass(frozen=True)
class TemplateInput:
    """What the console form sends for a template."""

    phase: str
    name: str
    title: str
    body: str
    sms_body: str


@dataclass(frozen=True)
class Rendered:
    """A template filled in: the markdown body and the SMS wording."""

    body: str
    sms_body: str


def _pieces(text: str, field: str) -> list[tuple[str, str | None]]:
    """(literal, placeholder name or None) pairs; refuses what is not a bare known name."""
    try:
        parsed = list(Formatter().parse(text))
    except ValueError as error:
        raise DomainError(
            f"Unmatched brace ({error}). Write {{{{ or }}}} for a literal brace.", field
        ) from error
    unknown: list[str] = []
    pieces: list[tuple[str, str | None]] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            pieces.append((literal, None))
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (
            f":{spec}" if spec else "") + "}"
        if (name not in PLACEHOLDERS or spec or conversion) and shown not in unknown:
            unknown.append(shown)
        pieces.append((literal, name))
    if unknown:
        known = ", ".join("{" + p + "}" for p in PLACEHOLDERS)
        raise DomainError(f"Unknown placeholder{'s' if len(unknown) > 1 else ''} "
                          f"{', '.join(unknown)}. Known placeholders: {known}.", field)
    return pieces


def check_placeholders(text: str, field: str = "body") -> None:
    """Raise DomainError naming every unknown placeholder (or unmatched brace) in `text`."""
    _pieces(text, field)


def _one_line(value: object) -> str:
    # A value is plain text on one line: a newline in a title must not start a markdown
    # heading or list in the rendered body.
    return " ".join(str(value).split())


def render_text(text: str, context: Mapping[str, object]) -> str:
    """`text` with each known placeholder replaced by its value from `context` (missing: "").

    Text that does not parse, or names an unknown placeholder, is returned as typed.
    """
    try:
        pieces = _pieces(text, "body")
    except DomainError:
        return text
    out = []
    for literal, name in pieces:
        out.append(literal)
        if name is not None:
            out.append(_one_line(context.get(name, "")))
    return "".join(out)


def render(template: MessageTemplate, context: Mapping[str, object]) -> Rendered:
    """The template's body and SMS wording filled in from `context` (keys: PLACEHOLDERS)."""
    return Rendered(render_text(template.body, context), render_text(template.sms_body, context))


def update_sms(text: str | None) -> str | None:
    """The SMS text chosen in a composer, on one line; None when empty (the SMS is then
    made from the update's body). DomainError on `sms_body` when it is too long."""
    sms = " ".join((text or "").split())
    if len(sms) > MAX_UPDATE_SMS:
        raise DomainError(f"The SMS text is longer than {MAX_UPDATE_SMS} characters "
                          f"({len(sms)}); shorten it or leave it empty.", "sms_body")
    return sms or None


def next_update_time(cadence: int | None, zone_name: str, now: datetime | None = None) -> str:
    """"by 14:30 UTC" (now + the plan's cadence, in the page's zone), or "soon" without one."""
    if not cadence:
        return NO_CADENCE
    zone = ZoneInfo(zone_name)
    due = ((now or utcnow()) + timedelta(minutes=cadence)).astimezone(zone)
    return f"by {due:%H:%M} {zone_abbreviation(due, zone)}"


def sample_context(page_name: str) -> dict[str, str]:
    """Example values for showing a template on its own (the console's list)."""
    return {"page_name": page_name, "incident_title": "Elevated API error rates",
            "affected_components": "API, Dashboard", "next_update_time": "by 14:30 UTC",
            "status": "Investigating"}


def _validate(data: TemplateInput, current: MessageTemplate | None) -> TemplateInput:
    name, title = data.name.strip(), data.title.strip()
    body, sms = data.body.strip(), data.sms_body.strip()
    if data.phase not in TEMPLATE_PHASES:
        raise DomainError("Choose a phase.", "phase")
    if not name:
        raise DomainError("Give the template a name.", "name")
    if len(name) > MAX_NAME:
        raise DomainError(f"The name is longer than {MAX_NAME} characters.", "name")
    taken = db.session.scalar(select(MessageTemplate).where(
        db.func.lower(MessageTemplate.name) == name.lower()))
    if taken is not None and taken is not current:
        raise Conflict(f"There is already a template called {taken.name}.", "name")
    if len(title) > MAX_TITLE:
        raise DomainError(f"The title is longer than {MAX_TITLE} characters.", "title")
    if not body:
        raise DomainError("Write the message.", "body")
    if len(body) > MAX_BODY:
        raise DomainError(f"The message is longer than {MAX_BODY} characters.", "body")
    if len(sms) > MAX_SMS:
        raise DomainError(f"The SMS wording is longer than {MAX_SMS} characters.", "sms_body")
    check_placeholders(title, "title")
    check_placeholders(body, "body")
    check_placeholders(sms, "sms_body")
    return TemplateInput(data.phase, name, title, body, sms)


def list_templates() -> list[MessageTemplate]:
    """Every template, by phase order then name."""
    rows = db.session.scalars(select(MessageTemplate).order_by(MessageTemplate.name)).all()
    return sorted(rows, key=lambda t: TEMPLATE_PHASES.index(t.phase)
                  if t.phase in TEMPLATE_PHASES else len(TEMPLATE_PHASES))


def templates_for(phases: tuple[str, ...]) -> list[MessageTemplate]:
    """The templates of the given phases, in list order (what a composer offers)."""
    return [t for t in list_templates() if t.phase in phases]


def get_template(public_id: str) -> MessageTemplate:
    """The template with this id, or NotFound."""
    template = db.session.scalar(select(MessageTemplate).filter_by(public_id=public_id))
    if template is None:
        raise NotFound("No such template.")
    return template


@use_case
def create_template(data: TemplateInput, actor: User | None) -> MessageTemplate:
    """Save a new template after validation (placeholders included), audited."""
    clean = _validate(data, None)
    template = MessageTemplate(phase=clean.phase, name=clean.name, title=clean.title,
                               body=clean.body, sms_body=clean.sms_body)
    db.session.add(template)
    db.session.flush()
    audit.record(actor, "template.create", "message_template", template.public_id,
                 name=clean.name, phase=clean.phase)
    db.session.commit()
    return template


@use_case
def update_template(template: MessageTemplate, data: TemplateInput,
                    actor: User | None) -> MessageTemplate:
    """Change a template after validation, audited."""
    clean = _validate(data, template)
    template.phase, template.name, template.title = clean.phase, clean.name, clean.title
    template.body, template.sms_body = clean.body, clean.sms_body
    template.updated_at = utcnow()
    audit.record(actor, "template.update", "message_template", template.public_id,
                 name=clean.name, phase=clean.phase)
    db.session.commit()
    return template


def delete_template(template: MessageTemplate, actor: User | None) -> None:
    """Remove a template, audited. Updates written from it keep their text."""
    audit.record(actor, "template.delete", "message_template", template.public_id,
                 name=template.name)
    db.session.delete(template)
    db.session.commit()


# (phase, name, title, body, sms_body): one plain English template per phase.
DEFAULTS = (
    ("investigating", "Investigating", "{incident_title}",
     "We are investigating reports of problems with {affected_components}. "
     "We will post another update {next_update_time}.",
     "{page_name}: investigating {incident_title}. Next update {next_update_time}."),
    ("identified", "Identified", "{incident_title}",
     "We have identified the cause of the problems with {affected_components} and are working "
     "on a fix. We will post another update {next_update_time}.",
     "{page_name}: cause of {incident_title} identified, fix in progress."),
    ("monitoring", "Monitoring", "{incident_title}",
     "A fix has been applied and {affected_components} should be working normally again. "
     "We are monitoring the results and will post another update {next_update_time}.",
     "{page_name}: fix applied for {incident_title}, monitoring."),
    ("resolved", "Resolved", "{incident_title}",
     "This incident has been resolved and {affected_components} are working normally. "
     "We are sorry for the disruption.",
     "{page_name}: {incident_title} is resolved."),
    ("maintenance_scheduled", "Maintenance scheduled", "{incident_title}",
     "We will be performing scheduled maintenance on {affected_components}. "
     "During the window these services may be briefly unavailable.",
     "{page_name}: maintenance scheduled for {affected_components}."),
    ("maintenance_started", "Maintenance started", "{incident_title}",
     "Scheduled maintenance on {affected_components} is now in progress. "
     "We will post an update when it is complete.",
     "{page_name}: maintenance on {affected_components} has started."),
    ("maintenance_completed", "Maintenance completed", "{incident_title}",
     "Scheduled maintenance on {affected_components} has been completed and all systems "
     "are operating normally.",
     "{page_name}: maintenance on {affected_components} is complete."),
    ("postmortem", "Postmortem", "{incident_title}: postmortem",
     "We have published a review of {incident_title}: what happened, why, and what we are "
     "changing so it does not happen again.",
     "{page_name}: postmortem for {incident_title} published."),
)


def seed_default_templates(actor: User | None = None) -> int:
    """Add the default template of each phase that has none yet; returns how many were added.

    Safe to call on every start: a phase with any template (edited or not) is left alone.
    """
    have = set(db.session.scalars(select(MessageTemplate.phase)).all())
    names = {n.lower() for n in db.session.scalars(select(MessageTemplate.name)).all()}
    added = 0
    for phase, name, title, body, sms in DEFAULTS:
        if phase in have or name.lower() in names:
            continue
        db.session.add(MessageTemplate(phase=phase, name=name, title=title, body=body,
                                       sms_body=sms))
        added += 1
    if added:
        audit.record(actor, "template.seed", "message_template", "", count=added)
    db.session.commit()
    return added
