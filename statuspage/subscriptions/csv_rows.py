"""CSV export and import of subscribers: the rows, read and saved in batches.

Export writes every field including the consent record, one batch of rows at a time, and
neutralises cells a spreadsheet would run as a formula. Import reads a file record by record
(`records`), reports each refused row with its line number, and saves the valid ones in
batches: pre-confirmed lists (admins only) one commit per batch, others through
`subscriptions.subscribe`, which sends each new subscriber a confirmation. A row is saved
whole or not at all. The worker drives an import batch by batch and saves its progress
(statuspage.subscriptions.imports); the web request only stores the file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Component, Subscriber, new_public_id, subscriber_component, utcnow
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.admin import (
    IMPORT,
    SubscriberFilter,
    confirmed_subscriber,
    filtered,
    mark_confirmed,
    normalise_address,
    normalise_channel,
    normalise_language,
)

EXPORT_COLUMNS = (
    "channel", "address", "state", "language", "components", "created_at", "confirmed_at",
    "consent_source", "consent_at", "consent_ip", "consent_note", "unsubscribed_at",
    "suppressed_at", "suppression_reason",
)
IMPORT_COLUMNS = ("channel", "address", "components", "language")
REQUIRED_COLUMNS = ("channel", "address")
EXPORT_BATCH = 1_000
IMPORT_BATCH = 500
# The report lists this many refused rows; beyond that it only counts them.
MAX_REPORTED_ERRORS = 200
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What a byte that is not UTF-8 decodes to when the file is read with errors="replace".
NOT_DECODED = "\ufffd"


# --- export -----------------------------------------------------------------------------

def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would evaluate with a quote, so it stays text."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def _stamp(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value is not None else ""


def _export_row(subscriber: Subscriber) -> list[str]:
    values = {
        "channel": subscriber.channel,
        "address": subscriber.address,
        "state": subscriber.state,
        "language": subscriber.language,
        "components": " ".join(sorted(c.public_id for c in subscriber.components)),
        "created_at": _stamp(subscriber.created_at),
        "confirmed_at": _stamp(subscriber.confirmed_at),
        "consent_source": subscriber.consent_source or "",
        "consent_at": _stamp(subscriber.consent_at),
        "consent_ip": subscriber.consent_ip or "",
        "consent_note": subscriber.consent_note or "",
        "unsubscribed_at": _stamp(subscriber.unsubscribed_at),
        "suppressed_at": _stamp(subscriber.suppressed_at),
        "suppression_reason": subscriber.suppression_reason or "",
    }
    return [neutralise(values[column]) for column in EXPORT_COLUMNS]


def export_csv(filters: SubscriberFilter | None = None) -> Iterator[str]:
    """The matching subscribers as CSV text, header first, yielded one batch at a time.

    Keyset pagination by id: each batch is one query, and memory holds one batch only.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    yield _drain(buffer)
    base = filtered(filters or SubscriberFilter())
    last_id = 0
    while True:
        batch = db.session.execute(
            base.where(Subscriber.id > last_id).order_by(Subscriber.id).limit(EXPORT_BATCH)
        ).scalars().all()
        if not batch:
            return
        for subscriber in batch:
            writer.writerow(_export_row(subscriber))
        last_id = batch[-1].id
        # Rebinding `batch` releases the previous one (the session's identity map is weak).
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- import -----------------------------------------------------------------------------

@dataclass
class ImportOptions:
    # The list's consent was obtained elsewhere (admins only): confirm without asking.
    pre_confirmed: bool = False
    consent_note: str = ""
    filename: str = ""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    imported: int = 0  # new (or newly confirmed) subscribers
    already_subscribed: int = 0  # on the list before, left as they were
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_REPORTED_ERRORS

    def refuse(self, line: int, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(line, message))

    def merge(self, other: ImportReport) -> None:
        self.imported += other.imported
        self.already_subscribed += other.already_subscribed
        self.error_count += other.error_count
        room = MAX_REPORTED_ERRORS - len(self.errors)
        self.errors.extend(other.errors[:max(room, 0)])


@dataclass
class Row:
    line: int
    channel: str
    address: str
    component_ids: list[int]
    language: str


def component_ids() -> dict[str, list[int]]:
    """Public id → the component ids it stands for (a group stands for its components)."""
    rows = db.session.execute(
        select(Component.public_id, Component.id, Component.is_group, Component.group_id)
    ).all()
    ids: dict[str, list[int]] = {row.public_id: [] if row.is_group else [row.id]
                                 for row in rows}
    groups = {row.id: row.public_id for row in rows if row.is_group}
    for row in rows:
        if row.group_id in groups:
            ids[groups[row.group_id]].append(row.id)
    return ids


def read_header(reader: Any) -> dict[str, int]:
    try:
        header = next(reader, None)
    except (csv.Error, UnicodeDecodeError):
        header = None
    if not header:
        raise DomainError("The file is empty or not CSV text.", "file")
    columns: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.strip().lstrip("\ufeff").lower()
        if key in IMPORT_COLUMNS and key not in columns:
            columns[key] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise DomainError(f"The first line must name the columns; {' and '.join(missing)} "
                          f"{'is' if len(missing) == 1 else 'are'} missing. Expected: "
                          f"{', '.join(IMPORT_COLUMNS)}.", "file")
    return columns


def records(reader: Any, report: ImportReport, after: int = 0
            ) -> Iterator[tuple[int, list[str]]]:
    """(first line number, cells) of each record; a malformed record is reported and skipped.

    The line number is the record's first line in the file (quoted cells may span lines).
    Records that start on line `after` or before were dealt with by an earlier run of the
    import: they are read past, neither yielded nor reported again.
    """
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if line > after:
                report.refuse(line, f"Not valid CSV: {error}.")
            continue
        except UnicodeDecodeError:
            report.refuse(line, "The file is not UTF-8 text from here on; the rest was not "
                                "read.")
            return
        if line > after:
            yield line, record


def _cell(record: list[str], columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    return record[index].strip() if index is not None and index < len(record) else ""


def parse(line: int, record: list[str], columns: dict[str, int],
           component_ids: dict[str, list[int]]) -> Row:
    if any(NOT_DECODED in cell for cell in record):
        raise DomainError("This line is not UTF-8 text; save the file as \"CSV UTF-8\".")
    channel = normalise_channel(_cell(record, columns, "channel"))
    raw = _cell(record, columns, "address")
    # Our own export quotes "+4712…" as "'+4712…" (formula safety): read it back unquoted.
    if raw.startswith("'") and raw[1:].startswith(FORMULA_PREFIXES):
        raw = raw[1:]
    address = normalise_address(channel, raw)
    names = [n for n in re.split(r"[\s,;]+", _cell(record, columns, "components")) if n]
    unknown = [n for n in names if n not in component_ids]
    if unknown:
        raise DomainError(f"Unknown component id{'s' if len(unknown) > 1 else ''}: "
                          f"{', '.join(unknown)}.")
    language = normalise_language(_cell(record, columns, "language") or "en")
    ids = sorted({i for name in names for i in component_ids[name]})
    return Row(line, channel, address, ids, language)


def _existing(rows: list[Row]) -> dict[tuple[str, str], Subscriber]:
    by_channel: dict[str, list[str]] = {}
    for row in rows:
        by_channel.setdefault(row.channel, []).append(row.address)
    found = db.session.execute(select(Subscriber).where(Subscriber.public(), or_(*(
        (Subscriber.channel == channel) & Subscriber.address.in_(addresses)
        for channel, addresses in by_channel.items()
    )))).scalars()
    return {(s.channel, s.address): s for s in found}


def _refusal(subscriber: Subscriber) -> str | None:
    if subscriber.state == "unsubscribed":
        return "This address unsubscribed; an import does not subscribe it again."
    if subscriber.state == "suppressed":
        return (f"This address is suppressed ({subscriber.suppression_reason or 'no reason'});"
                " an import does not subscribe it again.")
    return None


def _unique(rows: list[Row], report: ImportReport) -> Iterator[Row]:
    """The rows of a batch, refusing any that repeats an address of an earlier row."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.channel, row.address)
        if key in seen:
            report.refuse(row.line, f"The same address as line {seen[key]}.")
            continue
        seen[key] = row.line
        yield row


def save_confirmed(rows: list[Row], note: str, report: ImportReport) -> None:
    """Save a batch of pre-confirmed rows in one commit; row by row if that one collides."""
    existing = _existing(rows)
    # Outcomes count only once the batch is committed.
    tally = ImportReport()
    new: list[Row] = []
    for row in _unique(rows, tally):
        subscriber = existing.get((row.channel, row.address))
        if subscriber is not None:
            _confirm_existing(subscriber, row, note, tally)
        else:
            new.append(row)
    try:
        _insert_confirmed(new, note)
        db.session.commit()
    except IntegrityError:
        # Someone subscribed one of these addresses meanwhile: redo the batch row by row.
        db.session.rollback()
        for row in _unique(rows, report):
            _save_one_confirmed(row, note, report)
        return
    tally.imported += len(new)
    report.merge(tally)


def _insert_confirmed(rows: list[Row], note: str) -> None:
    """The batch's new subscribers in one multi-row INSERT, and their components in another.

    The same record as subscriber_admin.confirmed_subscriber makes, without an ORM object per
    row: a 50,000-row list is imported several times faster this way.
    """
    if not rows:
        return
    now = utcnow()
    ids = db.session.execute(
        insert(Subscriber).returning(Subscriber.id, sort_by_parameter_order=True),
        [{"public_id": new_public_id(), "channel": row.channel, "address": row.address,
          "language": row.language, "created_at": now, "confirmed_at": now,
          "consent_source": IMPORT, "consent_at": now, "consent_note": note,
          "code_attempts": 0, "token_version": 1} for row in rows],
    ).scalars().all()
    chosen = [{"subscriber_id": subscriber_id, "component_id": component_id}
              for subscriber_id, row in zip(ids, rows, strict=True)
              for component_id in row.component_ids]
    if chosen:
        db.session.execute(insert(subscriber_component), chosen)


def _confirm_existing(subscriber: Subscriber, row: Row, note: str,
                      report: ImportReport) -> None:
    refusal = _refusal(subscriber)
    if refusal:
        report.refuse(row.line, refusal)
    elif subscriber.state == "unconfirmed":
        # They had started to subscribe; the consent obtained elsewhere completes it.
        mark_confirmed(subscriber, IMPORT, note)
        report.imported += 1
    else:
        report.already_subscribed += 1


def _save_one_confirmed(row: Row, note: str, report: ImportReport) -> None:
    existing = subscriptions.find_subscriber(row.channel, row.address)
    if existing is not None:
        _confirm_existing(existing, row, note, report)
        db.session.commit()
        return
    components = list(db.session.execute(
        select(Component).where(Component.id.in_(row.component_ids))).scalars())
    db.session.add(confirmed_subscriber(row.channel, row.address, row.language, components,
                                        IMPORT, note))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        report.refuse(row.line, "This address was subscribed by someone else meanwhile.")
        return
    report.imported += 1


def save_with_confirmation(rows: list[Row], note: str, report: ImportReport) -> None:
    """Subscribe each row as the public page would: unconfirmed, confirmation sent."""
    existing = _existing(rows)
    for row in rows:
        subscriber = existing.get((row.channel, row.address))
        if subscriber is not None:
            refusal = _refusal(subscriber)
            if refusal:
                report.refuse(row.line, refusal)
            else:
                report.already_subscribed += 1
            continue
        try:
            subscriber = subscriptions.subscribe(row.channel, row.address, row.component_ids,
                                                 row.language, None, source=IMPORT)
        except DomainError as error:
            report.refuse(row.line, error.message)
            continue
        existing[(row.channel, row.address)] = subscriber
        report.imported += 1
