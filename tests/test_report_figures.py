"""The monthly report against the plan's response targets: per severity and overall, and
"no targets set" where the plan has none."""

from __future__ import annotations

from datetime import timedelta

import pytest

from statuspage.models.plan import PLAN_SEVERITIES
from statuspage.reports.figures import Share
from statuspage.reports.month import Month
from statuspage.reports.month_report import month_report
from tests.factories import Factory
from tests.metrics_support import T0, approved_update, scripted_incident, set_targets

LATER = T0 + timedelta(days=60)


def test_each_severity_against_its_targets(factory: Factory) -> None:
    set_targets("SEV1", first_update_minutes=15)  # cadence 30 (default plan)
    set_targets("SEV2", first_update_minutes=30)  # cadence 60
    set_targets("SEV3", first_update_minutes=None)  # a cadence, no first-update target
    # SEV1: first updates at +10 (met) and +20 (missed); the second went quiet for 50 min.
    scripted_incident(T0, "SEV1", [10, 40], resolved_minute=60, declared_minute=2)
    scripted_incident(T0 + timedelta(hours=5), "SEV1", [20], resolved_minute=70)
    scripted_incident(T0 + timedelta(days=1), "SEV2", [25], resolved_minute=80,
                      declared_minute=10)
    scripted_incident(T0 + timedelta(days=2), "SEV4", [300], resolved_minute=600,
                      declared_minute=40)

    report = month_report(Month(2026, 3), now=LATER)

    sev1, sev2, sev3, sev4 = report.severities
    assert [s.severity for s in report.severities] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert (sev1.incidents, sev1.first_update_target, sev1.cadence_minutes) == (2, 15, 30)
    # From the declaration: 8 and 20 minutes.
    assert sev1.first_update.median == pytest.approx(14)
    assert sev1.first_update_share == Share(1, 2) and sev1.first_update_share.ratio == 0.5
    assert sev1.cadence_share == Share(1, 2)  # 30, 20 and 50 minute gaps
    assert sev1.detection.median == pytest.approx(1)
    assert sev1.resolve.median == pytest.approx(65)
    assert (sev2.incidents, sev2.first_update_share) == (1, Share(1, 1))
    assert sev2.first_update.median == pytest.approx(15)
    assert (sev3.incidents, sev3.first_update_target, sev3.has_targets) == (0, None, True)
    assert sev3.first_update_share.ratio is None
    assert (sev4.incidents, sev4.has_targets) == (1, False)
    assert sev4.first_update_share == Share(0, 0) and sev4.cadence_kept is None
    assert sev4.detection.median == pytest.approx(40)
    # Overall: three incidents had a first-update target, two met it.
    assert report.targets_set
    assert report.first_update_share == Share(2, 3)
    assert report.detection.median == pytest.approx(6)  # 2, 0, 10, 40
    assert report.first_update_from_start.median == pytest.approx(22.5)


def test_a_plan_without_any_targets_says_so(factory: Factory) -> None:
    for severity in PLAN_SEVERITIES:
        set_targets(severity, first_update_minutes=None, cadence_minutes=None)
    scripted_incident(T0, "SEV1", [10], resolved_minute=60)

    report = month_report(Month(2026, 3), now=LATER)

    assert not report.targets_set
    assert not any(s.has_targets for s in report.severities)
    assert report.first_update_share.ratio is None and report.cadence_kept is None
    # The figures themselves are still there.
    assert report.first_update.median == 10


def test_time_in_approval_over_the_month(factory: Factory) -> None:
    one = scripted_incident(T0, "SEV2", [5])
    approved_update(one, T0 + timedelta(minutes=20), T0 + timedelta(minutes=26))
    two = scripted_incident(T0 + timedelta(days=3), "SEV2", [5])
    approved_update(two, T0 + timedelta(days=3, minutes=30),
                    T0 + timedelta(days=3, minutes=44), status="resolved")

    report = month_report(Month(2026, 3), now=LATER)

    assert (report.approval.waits, report.approval.median, report.approval.longest) == (
        2, pytest.approx(10), pytest.approx(14))
