"""Response metrics of an incident and the monthly report's maths, on scripted timelines."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask

from statuspage.core.extensions import db
from statuspage.incidents.metrics import human_duration, incident_metrics
from statuspage.models import ComponentDay
from statuspage.plan import rules as plan
from statuspage.reports.figures import percentile
from statuspage.reports.month import Month
from statuspage.reports.month_report import month_report
from tests.factories import Factory
from tests.metrics_support import T0, scripted_incident


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def test_metrics_of_a_scripted_sev1_timeline(app: Flask) -> None:
    # Posted at +12 (dated back to the start), +40, +90; an internal note at +30 does not
    # count; resolved at +120. Cadence 30 min: the gap 40 -> 90 is 20 minutes overdue.
    incident = scripted_incident(T0, "SEV1", [12, 40, 90], resolved_minute=120,
                                 internal_minutes=[30])

    m = incident_metrics(incident, now=T0 + minutes(600))

    assert m.first_update_from_declaration == minutes(12)
    assert m.resolve_from_start == minutes(120)
    assert m.public_updates == 4
    assert m.cadence_minutes == 30
    assert m.overdue == minutes(20)
    assert m.cadence_kept == pytest.approx(100 / 120)


def test_an_open_incident_is_measured_up_to_now(app: Flask) -> None:
    incident = scripted_incident(T0, "SEV2", [5])

    on_time = incident_metrics(incident, now=T0 + minutes(65))
    late = incident_metrics(incident, now=T0 + minutes(95))

    assert on_time.resolve_from_start is None
    assert on_time.cadence_kept == 1.0
    assert late.overdue == minutes(30)
    assert late.cadence_kept == pytest.approx(65 / 95)


def test_a_slow_first_update_counts_against_the_cadence(app: Flask) -> None:
    # The default plan's SEV1 target: a first public update within 15 minutes of declaring.
    incident = scripted_incident(T0, "SEV1", [45], resolved_minute=60)
    m = incident_metrics(incident)
    assert m.first_update_from_declaration == minutes(45)
    assert m.overdue == minutes(30)
    assert m.cadence_kept == pytest.approx(0.5)


def test_sev4_has_no_cadence(app: Flask) -> None:
    incident = scripted_incident(T0, "SEV4", [300], resolved_minute=600)
    m = incident_metrics(incident)
    assert (m.cadence_minutes, m.cadence_kept) == (None, None)
    assert m.first_update_from_declaration == minutes(300)


def test_default_cadence_per_severity(app: Flask) -> None:
    # The metrics measure against the communication plan's cadence (default plan here).
    assert [plan.cadence_minutes(s) for s in ("SEV1", "SEV2", "SEV3", "SEV4")] == [
        30, 60, 120, None]


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([50, 10, 40, 20, 30], 50) == 30
    assert percentile([10, 20, 30, 40, 50], 90) == pytest.approx(46)
    assert percentile([1, 2, 3, 4], 50) == pytest.approx(2.5)
    assert percentile([1, 2, 3, 4], 90) == pytest.approx(3.7)
    assert percentile([7], 90) == 7
    assert percentile([], 50) is None


def test_month_report_counts_and_response_times(factory: Factory) -> None:
    api, web = factory.component("API"), factory.component("Web")
    scripted_incident(T0, "SEV1", [5], resolved_minute=60, components=[api])
    scripted_incident(T0 + timedelta(days=1), "SEV2", [10], resolved_minute=120,
                      components=[api, web])
    scripted_incident(T0 + timedelta(days=2), "SEV4", [30], resolved_minute=240)
    # April's incident belongs to April.
    scripted_incident(T0 + timedelta(days=30), "SEV1", [1], resolved_minute=2)

    report = month_report(Month(2026, 3), now=T0 + timedelta(days=60))

    assert len(report.incidents) == 3
    assert report.by_severity == [("SEV1", 1), ("SEV2", 1), ("SEV3", 0), ("SEV4", 1)]
    assert report.by_component == [("API", 2), ("Web", 1)]
    assert (report.first_update.median, report.first_update.p90) == (10, pytest.approx(26))
    assert (report.resolve.median, report.resolve.p90) == (120, pytest.approx(216))
    # Overdue 25 of 60 (SEV1) and 50 of 120 (SEV2) minutes; SEV4 has no cadence.
    assert report.cadence_kept == pytest.approx(1 - 75 / 180)


def test_components_that_missed_their_uptime_target(factory: Factory) -> None:
    api = factory.component("API", uptime_target=99.9, start_date=date(2026, 1, 1))
    web = factory.component("Web", uptime_target=99.0, start_date=date(2026, 1, 1))
    factory.component("Docs", start_date=date(2026, 1, 1))
    db.session.add_all([
        # One hour of major outage in a 31-day month: 99.87%, under 99.9.
        ComponentDay(component_id=api.id, day=date(2026, 3, 10), worst_status="major_outage",
                     major_seconds=3600),
        # Two hours of partial outage count at 30%: 99.92%, over 99.0.
        ComponentDay(component_id=web.id, day=date(2026, 3, 11),
                     worst_status="partial_outage", partial_seconds=7200),
    ])
    db.session.commit()

    report = month_report(Month(2026, 3), now=T0 + timedelta(days=60))

    rows = {row.name: row for row in report.uptime}
    assert rows["API"].percent == pytest.approx(99.87)
    assert rows["Web"].percent == pytest.approx(99.92)
    assert rows["Docs"].percent == 100.0 and rows["Docs"].target is None
    assert [row.name for row in report.missed_targets] == ["API"]


def test_a_month_that_has_not_begun_has_no_uptime(factory: Factory) -> None:
    factory.component("API", uptime_target=99.9)
    report = month_report(Month(2026, 3), now=T0 - timedelta(days=30))
    assert report.uptime == [] and report.missed_targets == []


def test_durations_read_as_hours_and_minutes() -> None:
    assert [human_duration(d) for d in (None, timedelta(seconds=40), minutes(12), minutes(65),
                                        timedelta(days=3, hours=2))] == [
        "\u2013", "40 s", "12 min", "1 h 05 min", "3 d 2 h"]
