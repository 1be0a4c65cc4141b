"""What an import from Atlassian Statuspage brought in: one row per imported object.

statuspage.migration writes a row for every component, group, incident (or maintenance),
incident update, template and subscriber it creates from Statuspage data, or finds already
here (an address already subscribed). A second run looks the Statuspage id up here and
updates the row it names instead of adding another; `fingerprint` (a hash of the source
object as last imported) tells whether anything changed there since. The old incident
permalink `/incidents/<statuspage id>` redirects through this table when the id could not be
kept as our public id.

A table of its own rather than a `statuspage_id` column on six tables: the tables stay as
they are (nothing to index or carry for rows that never came from Statuspage), one query
answers "what came from where", and dropping the history of an import is one DELETE.
`local_id` is not a foreign key (it points into the table its `kind` names); a row whose
local object was deleted since is simply recreated by the next run.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from statuspage.core.extensions import Model
from statuspage.models.types import UTCDateTime, utcnow

# StatuspageLink.kind: the local table each kind of Statuspage object lands in.
LINK_COMPONENT = "component"  # groups too (component rows with is_group)
LINK_INCIDENT = "incident"  # scheduled maintenances too (incident rows of kind maintenance)
LINK_UPDATE = "incident_update"
LINK_TEMPLATE = "template"
LINK_SUBSCRIBER = "subscriber"
LINK_KINDS = (LINK_COMPONENT, LINK_INCIDENT, LINK_UPDATE, LINK_TEMPLATE, LINK_SUBSCRIBER)


class StatuspageLink(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # Statuspage's id of the object (12 lowercase base-36 characters on every page seen).
    source_id: Mapped[str] = mapped_column(String(64))
    # The page it came from, for the record (one installation imports one page).
    source_page_id: Mapped[str] = mapped_column(String(64))
    local_id: Mapped[int] = mapped_column()
    # sha256 of the source object as last imported (statuspage.migration.snapshot).
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # One local object per Statuspage object: a re-run finds it, the permalink redirects.
        UniqueConstraint("kind", "source_id"),
        # Which Statuspage object a local row came from (the importer's reverse lookups).
        Index("ix_statuspage_link_local", "kind", "local_id"),
    )
