"""Incident templates from Statuspage, as our message templates.

A template's `update_status` chooses its phase (a maintenance status its maintenance moment;
none: investigating). Statuspage's text has no placeholders, and ours treats `{name}` as one,
so braces are doubled to stay literal text. Names are unique here: a name already taken by
another template gets " (Statuspage)" added. Statuspage's template groups, component choices
and tweet setting have nothing to land in and are left.
"""

from __future__ import annotations

from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.incidents.templates import MAX_NAME, MAX_TITLE
from statuspage.migration import values
from statuspage.migration.links import CREATE, UNCHANGED, Links
from statuspage.migration.report import Report
from statuspage.migration.source import Obj, Snapshot, fingerprint
from statuspage.models import MessageTemplate, new_public_id, utcnow
from statuspage.models.migration import LINK_TEMPLATE

PHASE_OF_STATUS = {
    "investigating": "investigating",
    "identified": "identified",
    "monitoring": "monitoring",
    "resolved": "resolved",
    "scheduled": "maintenance_scheduled",
    "in_progress": "maintenance_started",
    "verifying": "maintenance_started",
    "completed": "maintenance_completed",
}
SUFFIX = " (Statuspage)"


def import_templates(snapshot: Snapshot, report: Report, write: bool) -> None:
    """Count (and unless `write` is False, save) the page's incident templates."""
    links = Links.load(LINK_TEMPLATE, snapshot.page_id, MessageTemplate.id)
    objs = [obj for obj in snapshot.templates if obj.get("id")]
    verdicts = [(obj, fingerprint(obj)) for obj in objs]
    new = values.public_ids(MessageTemplate.public_id, [
        str(obj["id"]) for obj, fp in verdicts if links.verdict(str(obj["id"]), fp) == CREATE])
    for obj, fp in verdicts:
        source_id = str(obj["id"])
        verdict = links.verdict(source_id, fp)
        report.tally("templates").add(verdict)
        if not write or verdict == UNCHANGED:
            continue
        local = links.local(source_id)
        template = (MessageTemplate(public_id=new[source_id]) if local is None
                    else db.session.get(MessageTemplate, local))
        assert template is not None  # live links name existing rows
        _fill(template, obj)
        if local is None:
            db.session.add(template)
        db.session.flush()
        links.keep(source_id, template.id, fp)
    if write:
        db.session.commit()


def _fill(template: MessageTemplate, obj: Obj) -> None:
    template.phase = PHASE_OF_STATUS.get(str(obj.get("update_status")), "investigating")
    template.name = _free_name(values.text(obj.get("name")).strip() or "Statuspage template",
                               template)
    template.title = _literal(values.text(obj.get("title")))[:MAX_TITLE]
    template.body = _literal(values.text(obj.get("body")))
    template.sms_body = template.sms_body or ""
    template.updated_at = utcnow()


def _literal(text: str) -> str:
    """Statuspage text as our template text: braces are placeholders here, so doubled."""
    return text.replace("{", "{{").replace("}", "}}")


def _free_name(name: str, template: MessageTemplate) -> str:
    """`name`, or with SUFFIX (and a number) when another template has it already."""
    base = name[:MAX_NAME]
    for attempt in range(1, 100):
        candidate = base if attempt == 1 else (
            f"{base[:MAX_NAME - len(SUFFIX) - 4]}{SUFFIX}"
            + (f" {attempt - 1}" if attempt > 2 else ""))
        taken = db.session.execute(select(MessageTemplate.id).where(
            func.lower(MessageTemplate.name) == candidate.lower())).scalar_one_or_none()
        if taken is None or taken == template.id:
            return candidate
    return f"{base[:MAX_NAME - 13]} {new_public_id()}"
