"""The monthly report as CSV: the month's incidents with their response metrics, and uptime.

Columns only ever get added at the end, so a spreadsheet built on an older export still
reads the same columns. Durations are minutes with one decimal; an empty cell means there was
nothing to measure (no target, still open, never waited).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from statuspage.reports.month_report import MonthReport
from statuspage.subscriptions.csv_export import neutralise

CSV_COLUMNS = (
    "incident_id", "name", "severity", "status", "started_at", "resolved_at", "components",
    "public_updates",
    # From the declaration to the publication of the first public update.
    "minutes_to_first_update",
    # From the impact start to the publication of the resolution.
    "minutes_to_resolve",
    "cadence_minutes", "cadence_kept_percent",
    # Added with the per-severity targets and the time in approval.
    "declared_at", "minutes_to_detect", "minutes_to_first_update_from_start",
    "minutes_to_resolve_from_declaration", "first_update_target_minutes",
    "first_update_target_met", "longest_gap_minutes", "cadence_met", "approval_waits",
    "minutes_in_approval", "longest_approval_minutes", "postmortem_approval_minutes",
)
UPTIME_CSV_COLUMNS = ("component", "uptime_percent", "uptime_target", "missed_target")


def incidents_csv(report: MonthReport) -> str:
    """The month's incidents with their response metrics, one row each."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in report.incidents:
        incident, m = row.incident, row.metrics
        writer.writerow([
            incident.public_id,
            neutralise(incident.name),
            incident.severity or "",
            incident.status,
            _stamp(incident.started_at),
            _stamp(incident.resolved_at),
            neutralise("; ".join(row.components)),
            m.public_updates,
            _minutes(m.first_update_from_declaration),
            _minutes(m.resolve_from_start),
            m.cadence_minutes if m.cadence_minutes is not None else "",
            f"{m.cadence_kept * 100:.1f}" if m.cadence_kept is not None else "",
            _stamp(incident.created_at),
            _minutes(m.detection),
            _minutes(m.first_update_from_start),
            _minutes(m.resolve_from_declaration),
            m.first_update_target if m.first_update_target is not None else "",
            _verdict(m.first_update_met),
            _minutes(m.longest_gap),
            _verdict(m.cadence_met),
            len(m.approval_waits),
            _minutes(m.approval_total) if m.approval_waits else "",
            _minutes(m.approval_longest),
            _minutes(m.postmortem_approval),
        ])
    return buffer.getvalue()


def uptime_csv(report: MonthReport) -> str:
    """Each component's uptime for the month against its target."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(UPTIME_CSV_COLUMNS)
    for row in report.uptime:
        writer.writerow([neutralise(row.name), f"{row.percent:.2f}",
                         "" if row.target is None else f"{row.target:g}",
                         "yes" if row.missed else "no"])
    return buffer.getvalue()


def _stamp(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else ""


def _minutes(value: timedelta | None) -> str:
    return f"{value.total_seconds() / 60:.1f}" if value is not None else ""


def _verdict(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")
