"""The demo seed's history gives plausible response figures (what `make run` shows first)."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from statuspage.cli.demo import seed_demo
from statuspage.core.extensions import db
from statuspage.incidents.metrics import incident_metrics
from statuspage.models import INCIDENT, Component, Incident, utcnow
from statuspage.page import uptime
from statuspage.plan import rules as plan
from statuspage.reports.month import current_month
from statuspage.reports.month_report import month_report


def _incidents() -> list[Incident]:
    return list(db.session.execute(
        select(Incident).where(Incident.kind == INCIDENT).order_by(Incident.started_at)
    ).scalars())


def test_the_demo_history_reads_like_a_real_one(app: Flask) -> None:
    seed_demo()
    now = utcnow()
    incidents = _incidents()
    metrics = [incident_metrics(i, now) for i in incidents]

    assert len(incidents) >= 8
    assert {i.severity for i in incidents} == {"SEV1", "SEV2", "SEV3", "SEV4"}
    # Declared minutes, not days, after the impact began; told the public soon after.
    assert all(timedelta(minutes=1) <= m.detection < timedelta(hours=1) for m in metrics)
    firsts = [m.first_update_from_declaration for m in metrics]
    assert all(f is not None and timedelta(0) < f < timedelta(hours=1) for f in firsts)
    for incident, m in zip(incidents, metrics, strict=True):
        assert m.first_update_from_start is not None
        assert m.first_update_from_start == m.detection + m.first_update_from_declaration
        if incident.is_closed:
            assert m.resolve_from_start is not None
            assert timedelta(minutes=30) < m.resolve_from_start < timedelta(hours=6)
    # Most first updates met the plan's target; one missed it, as happens.
    verdicts = [m.first_update_met for m in metrics if m.first_update_met is not None]
    assert verdicts.count(True) > len(verdicts) / 2 and False in verdicts
    # One update waited for approval, for a few minutes.
    waits = [w for m in metrics for w in m.approval_waits]
    assert len(waits) == 1 and timedelta(minutes=1) < waits[0] < timedelta(minutes=30)
    # The one open incident is on time, not "last updated days ago".
    (open_one,) = [m for i, m in zip(incidents, metrics, strict=True) if not i.is_closed]
    assert open_one.overdue == timedelta(0)


def test_the_demo_gives_the_reports_a_couple_of_months_of_figures(app: Flask) -> None:
    seed_demo()
    month = current_month()
    reports = [month_report(month), month_report(month.previous()),
               month_report(month.previous().previous())]

    assert sum(len(r.incidents) for r in reports) >= 6
    assert all(r.incidents for r in reports[1:])
    assert all(r.targets_set for r in reports)
    everything = [f for r in reports for f in r.severities if f.incidents]
    assert {f.severity for f in everything} == {"SEV1", "SEV2", "SEV3", "SEV4"}
    # SEV4 has no targets in the demo plan: its row says so.
    assert not next(f for f in everything if f.severity == "SEV4").has_targets
    assert plan.load_plan()["SEV1"].first_update_minutes is not None


def test_the_demo_outages_show_in_the_uptime_bars(app: Flask) -> None:
    seed_demo()
    api = db.session.execute(select(Component).filter_by(name="API")).scalar_one()
    today = utcnow().date()

    bars = uptime.uptime_bars([api], today)[api.id]

    assert bars.uptime_percent < 100  # the SEV1 checkout outage 12 days ago
