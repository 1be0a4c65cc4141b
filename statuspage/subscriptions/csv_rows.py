"""CSV import of subscribers, the reading side: the header, the records, each row checked.

An import reads a file record by record (`records`), checks each row (`parse`: channel,
address, components, language) and reports each refused row with its line number in an
ImportReport. Saving the valid rows in batches is statuspage.subscriptions.csv_save; the
worker drives an import batch by batch and saves its progress
(statuspage.subscriptions.imports); the web request only stores the file.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Component
from statuspage.subscriptions.csv_export import FORMULA_PREFIXES
from statuspage.subscriptions.normalise import (
    normalise_address,
    normalise_channel,
    normalise_language,
)

IMPORT_COLUMNS = ("channel", "address", "components", "language")
REQUIRED_COLUMNS = ("channel", "address")
IMPORT_BATCH = 500
# The report lists this many refused rows; beyond that it only counts them.
MAX_REPORTED_ERRORS = 200
# What a byte that is not UTF-8 decodes to when the file is read with errors="replace".
NOT_DECODED = "\ufffd"


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
