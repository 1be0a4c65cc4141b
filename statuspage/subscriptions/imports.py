"""Subscriber CSV imports, run by the worker: the upload only stores the file.

A 50,000-row file takes minutes to import (each row is checked, and without pre-confirmation
each new subscriber is sent a confirmation), far longer than a web request may take. So:

- `start_import` (the console's POST) checks what can be checked at once (the permission for
  a pre-confirmed list and its consent note, the size, the header), stores the file in a
  `SubscriberImport` row and enqueues the task after the commit; it reads no row.
- `run_import` (the task) leases the import, reads the stored text after its cursor, saves
  the rows in batches (statuspage.subscriptions.csv_rows) and commits the cursor, the counts and the
  errors by line after each batch. A worker killed mid-import loses at most the batch it was
  on: `resume_stalled` (every minute) enqueues the import again once the lease has expired,
  and the next run carries on after the cursor. A row saved by the lost batch is found on
  the list the second time, so it counts as "already on the list" rather than twice. A
  worker asked to stop (core.shutdown) ends after its batch and enqueues the import again.
- The console's import page shows the progress and then the report.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from statuspage import audit
from statuspage.core import jobs, shutdown
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml, use_case
from statuspage.models import SubscriberImport, User, utcnow
from statuspage.models.imports import IMPORT_DONE, IMPORT_FAILED, IMPORT_QUEUED, IMPORT_RUNNING
from statuspage.page.record import get_page
from statuspage.subscriptions.consent import consent_note, require_admin_for_preconfirmed
from statuspage.subscriptions.csv_rows import (
    IMPORT_BATCH,
    ImportOptions,
    ImportReport,
    Row,
    RowError,
    component_ids,
    parse,
    read_header,
    records,
)
from statuspage.subscriptions.csv_save import save_confirmed, save_with_confirmation

log = logging.getLogger(__name__)

# About 400,000 rows of a typical export; a larger list is better split in a few files.
MAX_IMPORT_BYTES = 20 * 1024 * 1024
# A batch takes seconds; a lease this long is only ever outlived by a dead worker.
LEASE = timedelta(minutes=5)
# A queued import whose task was lost (queue down at the upload) is enqueued again after this.
QUEUED_GRACE = timedelta(minutes=1)
RECENT = 10


@use_case
def start_import(content: bytes, options: ImportOptions, actor: User | None
                 ) -> SubscriberImport:
    """Store an uploaded CSV file for the worker to import; its task is enqueued after the
    commit. DomainError (field "file", or the consent fields) when the file cannot be
    imported at all: too large, empty, or without the channel and address columns.
    """
    note = None
    if options.pre_confirmed:
        require_admin_for_preconfirmed(actor)
        note = consent_note(options.consent_note)
    if len(content) > MAX_IMPORT_BYTES:
        raise DomainError(f"The file is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; "
                          "split it into smaller files.", "file")
    # Bytes that are not UTF-8 become U+FFFD, which the import reports on their own line.
    text = content.decode("utf-8-sig", errors="replace")
    read_header(csv.reader(io.StringIO(text, newline="")))
    job = SubscriberImport(
        filename=options.filename[:200], actor_id=actor.id if actor is not None else None,
        pre_confirmed=options.pre_confirmed, consent_note=note, csv_text=text,
        total_lines=text.count("\n") + (0 if text.endswith("\n") else 1),
        state=IMPORT_QUEUED, created_at=utcnow())
    db.session.add(job)
    db.session.commit()
    _enqueue(job.id)
    return job


def _enqueue(import_id: int) -> None:
    try:
        jobs.enqueue("run_subscriber_import", import_id)
    except Exception:  # committed as queued: resume_stalled enqueues it again
        log.exception("could not enqueue subscriber import %s", import_id)


def get_import(public_id: str) -> SubscriberImport:
    """The import with this public id, as the worker last saved it; NotFound otherwise."""
    job = db.session.execute(
        select(SubscriberImport).where(SubscriberImport.public_id == public_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if job is None:
        raise NotFound("No such import.")
    return job


def recent_imports() -> list[SubscriberImport]:
    """The latest imports, newest first (the import page lists them)."""
    return list(db.session.execute(
        select(SubscriberImport).order_by(SubscriberImport.id.desc()).limit(RECENT)
    ).scalars())


def report_of(job: SubscriberImport) -> ImportReport:
    """The import's outcome so far, as the CSV import reports it."""
    return ImportReport(imported=job.imported, already_subscribed=job.already_subscribed,
                        error_count=job.error_count,
                        errors=[RowError(int(line), str(message))
                                for line, message in job.errors or []])


def run_import(import_id: int) -> bool:
    """Import the stored file from its cursor on, batch by batch; True when it finished.

    Safe to run twice or concurrently: the import is leased by a conditional UPDATE, and each
    batch's progress is saved only if the cursor is still where this run left it.
    """
    job = _claim(import_id, utcnow())
    if job is None:
        return False
    try:
        return _run(job)
    except Exception as error:  # a bug or a broken database: stop, and say so on the page
        db.session.rollback()
        log.exception("subscriber import %s failed", import_id)
        _stop(import_id, f"{type(error).__name__}: {error}")
        return False


def _run(job: SubscriberImport) -> bool:
    import_id, cursor = job.id, job.cursor
    options = ImportOptions(pre_confirmed=job.pre_confirmed,
                            consent_note=job.consent_note or "", filename=job.filename)
    # Held for the whole run: every address is checked against the page's settings (SMS
    # countries), and the session's identity map keeps an object only while it is referenced,
    # so without this each row would read the page again.
    page = get_page()
    reader = csv.reader(io.StringIO(job.csv_text, newline=""))
    columns = read_header(reader)
    known = component_ids()
    report = report_of(job)
    save = save_confirmed if options.pre_confirmed else save_with_confirmation
    batch: list[Row] = []
    line = cursor
    for line, record in records(reader, report, after=cursor):
        if not any(cell.strip() for cell in record):
            continue
        try:
            batch.append(parse(line, record, columns, known))
        except DomainError as error:
            report.refuse(line, error.message)
            continue
        if len(batch) >= IMPORT_BATCH:
            save(batch, options.consent_note, report)
            batch = []
            if not _progress(import_id, cursor, line, report):
                log.warning("subscriber import %s taken over by another worker", import_id)
                return False
            cursor = line
            if shutdown.requested():  # the worker is stopping: the next one carries on
                _pause(import_id, cursor)
                return False
    if batch:
        save(batch, options.consent_note, report)
    del page
    return _finish(import_id, cursor, max(line, cursor), report, options)


def _claim(import_id: int, now: datetime) -> SubscriberImport | None:
    """Lease a queued import, or a running one whose worker's lease has expired."""
    claimed = db.session.execute(
        update(SubscriberImport)
        .where(SubscriberImport.id == import_id,
               or_(SubscriberImport.state == IMPORT_QUEUED,
                   and_(SubscriberImport.state == IMPORT_RUNNING,
                        or_(SubscriberImport.lease_until.is_(None),
                            SubscriberImport.lease_until < now))))
        .values(state=IMPORT_RUNNING, lease_until=now + LEASE,
                started_at=func.coalesce(SubscriberImport.started_at, now))
        .returning(SubscriberImport.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    db.session.commit()
    if claimed is None:
        return None
    return db.session.get(SubscriberImport, import_id, populate_existing=True)


def _outcome(report: ImportReport) -> dict[str, object]:
    return {"imported": report.imported, "already_subscribed": report.already_subscribed,
            "error_count": report.error_count,
            "errors": [[e.line, e.message] for e in report.errors]}


def _progress(import_id: int, old: int, new: int, report: ImportReport) -> bool:
    """Save the cursor and the counts after a batch, and renew the lease; False when another
    worker moved the cursor meanwhile (this one's lease had run out)."""
    saved = execute_dml(
        update(SubscriberImport)
        .where(SubscriberImport.id == import_id, SubscriberImport.state == IMPORT_RUNNING,
               SubscriberImport.cursor == old)
        .values(cursor=new, lease_until=utcnow() + LEASE, **_outcome(report))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(saved)


def _finish(import_id: int, old: int, last: int, report: ImportReport,
            options: ImportOptions) -> bool:
    """Mark the import done with its report and the audit entry, in one transaction."""
    done = execute_dml(
        update(SubscriberImport)
        .where(SubscriberImport.id == import_id, SubscriberImport.state == IMPORT_RUNNING,
               SubscriberImport.cursor == old)
        .values(state=IMPORT_DONE, cursor=last, lease_until=None, finished_at=utcnow(),
                csv_text="", **_outcome(report))
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        db.session.rollback()
        return False
    job = db.session.get(SubscriberImport, import_id, populate_existing=True)
    assert job is not None  # the UPDATE just matched it
    actor = db.session.get(User, job.actor_id) if job.actor_id is not None else None
    audit.record(actor, "subscriber.import", "subscriber", job.public_id,
                 filename=options.filename, pre_confirmed=options.pre_confirmed,
                 note=options.consent_note if options.pre_confirmed else "",
                 imported=report.imported, already_subscribed=report.already_subscribed,
                 refused=report.error_count)
    db.session.commit()
    return True


def _pause(import_id: int, cursor: int) -> None:
    """Give the lease back and enqueue the import again, to carry on after `cursor`."""
    execute_dml(
        update(SubscriberImport)
        .where(SubscriberImport.id == import_id, SubscriberImport.state == IMPORT_RUNNING,
               SubscriberImport.cursor == cursor)
        .values(lease_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
    _enqueue(import_id)


def _stop(import_id: int, failure: str) -> None:
    db.session.execute(
        update(SubscriberImport)
        .where(SubscriberImport.id == import_id, SubscriberImport.state == IMPORT_RUNNING)
        .values(state=IMPORT_FAILED, failure=failure[:2000], lease_until=None,
                finished_at=utcnow(), csv_text="")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def resume_stalled(now: datetime | None = None) -> list[int]:
    """Enqueue again the imports whose worker died or whose task was lost; their ids."""
    now = now or utcnow()
    ids = list(db.session.execute(
        select(SubscriberImport.id).where(or_(
            and_(SubscriberImport.state == IMPORT_QUEUED,
                 SubscriberImport.created_at < now - QUEUED_GRACE),
            and_(SubscriberImport.state == IMPORT_RUNNING,
                 or_(SubscriberImport.lease_until.is_(None),
                     SubscriberImport.lease_until < now)),
        )).order_by(SubscriberImport.id)
    ).scalars())
    db.session.rollback()
    for import_id in ids:
        _enqueue(import_id)
    return ids

