"""The monthly report's figures: medians and percentiles of response times, time in approval,
and each severity's response against the communication plan's targets.

A severity's targets are its first-update target (minutes from the declaration to the first
public update) and its update cadence. A severity with neither has "no targets set": the
report says so rather than showing a zero or nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from statuspage.incidents.metrics import IncidentMetrics
from statuspage.models.plan import PLAN_SEVERITIES
from statuspage.plan.document import Plan

INCIDENT_SEVERITIES = tuple(s for s in PLAN_SEVERITIES if s.startswith("SEV"))


@dataclass(frozen=True)
class Spread:
    """Median and 90th percentile of a duration, in minutes (None without data)."""

    median: float | None
    p90: float | None
    count: int


@dataclass(frozen=True)
class Share:
    """How many of the incidents measured against a target met it."""

    met: int
    measured: int

    @property
    def ratio(self) -> float | None:
        return self.met / self.measured if self.measured else None


@dataclass(frozen=True)
class ApprovalFigures:
    """Time updates spent waiting for approval over the month (minutes)."""

    waits: int
    median: float | None
    longest: float | None
    postmortems: Spread


@dataclass(frozen=True)
class SeverityFigures:
    """One severity's month against its targets."""

    severity: str
    definition: str | None
    incidents: int
    first_update_target: int | None
    first_update: Spread  # from the declaration
    first_update_share: Share
    cadence_minutes: int | None
    cadence_kept: float | None  # share of open time, weighted as the month's
    cadence_share: Share  # incidents whose gaps all stayed within the cadence
    detection: Spread
    resolve: Spread  # from the impact start

    @property
    def has_targets(self) -> bool:
        return self.first_update_target is not None or self.cadence_minutes is not None


def percentile(values: list[float], p: float) -> float | None:
    """The p-th percentile (0..100) with linear interpolation between closest ranks
    (numpy's default), so the median of an even count is the mean of the middle two."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def spread(durations: Sequence[timedelta | None]) -> Spread:
    """The spread of the durations that were measured (None ones are left out)."""
    minutes = [d.total_seconds() / 60 for d in durations if d is not None]
    return Spread(percentile(minutes, 50), percentile(minutes, 90), len(minutes))


def share(verdicts: Sequence[bool | None]) -> Share:
    """Met of measured; a None verdict (no target, or not decided yet) is not measured."""
    measured = [v for v in verdicts if v is not None]
    return Share(sum(1 for v in measured if v), len(measured))


def cadence_kept(metrics: Sequence[IncidentMetrics]) -> float | None:
    """The share of open time no public update was overdue, over incidents with a cadence.

    Weighted by open time: a two-day incident that went quiet matters more than a ten-minute
    one that was updated on time.
    """
    measured = [m for m in metrics if m.cadence_minutes is not None]
    if not measured:
        return None
    total = sum((m.open_duration for m in measured), timedelta(0))
    if total <= timedelta(0):
        return 1.0
    overdue = sum((m.overdue for m in measured), timedelta(0))
    return max(1 - overdue / total, 0.0)


def approval_figures(metrics: Sequence[IncidentMetrics]) -> ApprovalFigures:
    """Every wait for approval the month's incidents had, pooled."""
    waits = [w.total_seconds() / 60 for m in metrics for w in m.approval_waits]
    return ApprovalFigures(
        waits=len(waits),
        median=percentile(waits, 50),
        longest=max(waits, default=None),
        postmortems=spread([m.postmortem_approval for m in metrics]),
    )


def severity_figures(by_severity: dict[str, list[IncidentMetrics]],
                     plan: Plan) -> list[SeverityFigures]:
    """Each incident severity's figures against the plan's targets, SEV1 first."""
    rows = []
    for severity in INCIDENT_SEVERITIES:
        metrics = by_severity.get(severity, [])
        row = plan[severity]

        rows.append(SeverityFigures(
            severity=severity,
            definition=row.definition,
            incidents=len(metrics),
            first_update_target=row.first_update_minutes,
            first_update=spread([m.first_update_from_declaration for m in metrics]),
            first_update_share=share([m.first_update_met for m in metrics]),
            cadence_minutes=row.cadence_minutes,
            cadence_kept=cadence_kept(metrics),
            cadence_share=share([m.cadence_met for m in metrics]),
            detection=spread([m.detection for m in metrics]),
            resolve=spread([m.resolve_from_start for m in metrics]),
        ))
    return rows


def targets_set(plan: Plan) -> bool:
    """Whether any incident severity of the plan has a response target."""
    return any(plan[s].first_update_minutes is not None or plan[s].cadence_minutes is not None
               for s in INCIDENT_SEVERITIES)
