"""`flask export-page PATH`: the whole page as one JSON document, for moving it elsewhere.

Components, incidents and maintenance with their updates, component changes, postmortems and
action items, the communication plan, and the self-service subscribers with their consent
records (where, when and from which address each one agreed; when they left or bounced). Left
out: SMS confirmation codes and webhook signing secrets (they authenticate, and a new home
issues its own), console users, delivery records. The file holds personal data: it is written
readable by its owner only.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.models import ActionItem, Component, Incident, PostmortemReview, Subscriber
from statuspage.page.record import get_page
from statuspage.plan.yaml_io import export_document

EXPORT_FORMAT = 1
# Columns that authenticate rather than describe: never exported.
SECRET_COLUMNS = {"code_hash", "code_expires_at", "code_attempts", "secret", "token_version"}


def _columns(row: Any, skip: set[str] = SECRET_COLUMNS) -> dict[str, Any]:
    return {column.key: getattr(row, column.key) for column in row.__table__.columns
            if column.key not in skip}


def _incident(incident: Incident) -> dict[str, Any]:
    items = db.session.execute(select(ActionItem).where(ActionItem.incident_id == incident.id)
                               .order_by(ActionItem.id)).scalars()
    reviews = db.session.execute(select(PostmortemReview)
                                 .where(PostmortemReview.incident_id == incident.id)
                                 .order_by(PostmortemReview.id)).scalars()
    return {**_columns(incident),
            "components": [c.public_id for c in incident.components],
            "updates": [{**_columns(u), "changes": [_columns(c) for c in u.changes]}
                        for u in sorted(incident.updates, key=lambda u: u.id)],
            "action_items": [_columns(item) for item in items],
            "postmortem_reviews": [_columns(review) for review in reviews]}


def export_page() -> dict[str, Any]:
    """Everything the page shows and whom it tells, as JSON-ready values (see the module)."""
    components = db.session.execute(select(Component).order_by(Component.id)).scalars()
    incidents = db.session.execute(select(Incident).order_by(Incident.id)).scalars()
    subscribers = db.session.execute(select(Subscriber).where(Subscriber.public())
                                     .order_by(Subscriber.id)).scalars()
    return {
        "format": EXPORT_FORMAT,
        "exported_at": datetime.now(UTC),
        "page": _columns(get_page(), set()),
        "components": [_columns(c) for c in components],
        "incidents": [_incident(i) for i in incidents],
        "plan": export_document(),
        "subscribers": [{**_columns(s), "state": s.state,
                         "components": [c.public_id for c in s.components]}
                        for s in subscribers],
    }


def _json_value(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_export(path: Path) -> dict[str, Any]:
    """Write the page's export to `path` (mode 0600, replaced whole) and return it."""
    document = export_page()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(document, handle, default=_json_value, indent=1, ensure_ascii=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return document


@click.command("export-page")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def export_page_command(path: Path) -> None:
    """Write the page (components, incidents, postmortems, plan, subscribers) as JSON to PATH."""
    document = write_export(path)
    click.echo(f"Exported {len(document['components'])} components, "
               f"{len(document['incidents'])} incidents and {len(document['subscribers'])} "
               f"subscribers to {path}. It holds subscribers' addresses: keep it private.")
