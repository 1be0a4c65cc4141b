"""`import_page`: read a Statuspage page whole, then bring it in, kind by kind.

Reading first means a bad key, an unknown page or a source that stops answering fails before
anything is written. Then components (groups first), templates, incidents and maintenances,
and subscribers last, each committed in batches: an import stopped halfway (a crash, Ctrl-C)
is finished by running it again, which also updates whatever changed at Statuspage since
(see links.py). A dry run reads, compares with what earlier runs brought in, counts, and
writes nothing. Nothing is sent, then or later because of the import; the audit log gets
one entry per run, and the public pages are marked changed so every cache rebuilds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from statuspage import audit
from statuspage.core.extensions import db
from statuspage.migration.client import DEFAULT_API_URL, Client
from statuspage.migration.components import import_components
from statuspage.migration.incidents import import_incidents
from statuspage.migration.progress import Progress, Silent
from statuspage.migration.report import Report
from statuspage.migration.source import Snapshot, fetch_manage, fetch_public
from statuspage.migration.subscribers import import_subscribers
from statuspage.migration.templates import import_templates
from statuspage.page.record import touch_page


@dataclass
class ImportOptions:
    page_id: str
    api_key: str | None = None
    # The Manage API's base URL (with a key), or the page's own URL (without one); None:
    # Statuspage's (api.statuspage.io, or https://<page id>.statuspage.io).
    base_url: str | None = None
    dry_run: bool = False


def source_url(options: ImportOptions) -> str:
    if options.base_url:
        return options.base_url.rstrip("/")
    return DEFAULT_API_URL if options.api_key else f"https://{options.page_id}.statuspage.io"


def import_page(options: ImportOptions, progress: Progress | None = None,
                client: Client | None = None) -> Report:
    """Import the page `options` names; SourceError when Statuspage cannot be read."""
    progress = progress or Silent()
    started = time.monotonic()
    client = client or Client(source_url(options), options.api_key or None)
    snapshot = (fetch_manage(client, options.page_id, progress) if options.api_key
                else fetch_public(client, options.page_id, progress))
    report = bring_in(snapshot, progress, write=not options.dry_run)
    report.requests, report.waits = client.requests_made, list(client.waits)
    report.seconds = time.monotonic() - started
    return report


def bring_in(snapshot: Snapshot, progress: Progress, write: bool) -> Report:
    """Import (or, without `write`, only count) what the snapshot holds."""
    report = Report(snapshot.page_id, snapshot.page_name, snapshot.mode, dry_run=not write)
    components = import_components(snapshot, report, write)
    import_templates(snapshot, report, write)
    import_incidents(snapshot, report, components, progress, write)
    import_subscribers(snapshot, report, components, progress, write)
    if write:
        audit.record(None, "statuspage.import", "page", snapshot.page_id,
                     mode=snapshot.mode, **{
                         f"{kind}_{what}": getattr(tally, what)
                         for kind, tally in report.tallies.items()
                         for what in ("created", "updated")})
        touch_page()
        db.session.commit()
    else:
        db.session.rollback()
    return report
