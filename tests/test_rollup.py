"""The page status roll-up (statuspage-compat.md 1.1), as a pure function and on the banner."""

from __future__ import annotations

from datetime import timedelta

import lxml.html
import pytest
from flask.testing import FlaskClient

from statuspage.incidents.maintenance import start_maintenance
from statuspage.page.rollup import PageStatus, page_status
from tests.factories import Factory

OP, MAINT, DEG, PART, MAJOR = (
    "operational", "under_maintenance", "degraded_performance", "partial_outage", "major_outage"
)

CASES = {
    "no components": ([], (), False, ("none", "All Systems Operational")),
    "no components, critical incident": ([], ("critical",), False,
                                         ("critical", "Major System Outage")),
    "no components, major incident": ([], ("major",), False, ("major", "Partial System Outage")),
    "no components, minor incident": ([], ("minor",), False, ("minor", "Minor Service Outage")),
    "no components, maintenance": ([], (), True, ("maintenance", "Service Under Maintenance")),
    "one operational": ([OP], (), False, ("none", "All Systems Operational")),
    "one under maintenance": ([MAINT], (), False,
                              ("maintenance", "Service Under Maintenance")),
    "one degraded": ([DEG], (), False, ("minor", "Partially Degraded Service")),
    "one partial outage": ([PART], (), False, ("major", "Partial System Outage")),
    "one major outage": ([MAJOR], (), False, ("critical", "Major System Outage")),
    "1 of 11 partial": ([PART] + [OP] * 10, (), False, ("minor", "Minor Service Outage")),
    "1 of 4 degraded": ([DEG] + [OP] * 3, (), False, ("minor", "Partially Degraded Service")),
    "6 of 11 partial": ([PART] * 6 + [OP] * 5, (), False, ("major", "Partial System Outage")),
    "3 of 4 major": ([MAJOR] * 3 + [OP], (), False, ("critical", "Major System Outage")),
    "1 of 4 major": ([MAJOR] + [OP] * 3, (), False, ("major", "Partial System Outage")),
    "maintenance among operational": ([MAINT, OP, OP], (), False,
                                      ("maintenance", "Service Under Maintenance")),
    "maintenance loses to degraded": ([MAINT, DEG, OP, OP], (), False,
                                      ("minor", "Partially Degraded Service")),
    "active maintenance loses to outage": ([PART, OP], (), True,
                                           ("major", "Partial System Outage")),
    "components outrank incident impact": ([OP, OP], ("critical",), False,
                                           ("none", "All Systems Operational")),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_page_status_follows_the_documented_rollup(case: str) -> None:
    statuses, impacts, maintenance, expected = CASES[case]
    assert page_status(statuses, impacts, maintenance) == PageStatus(*expected)


def banner(client: FlaskClient) -> tuple[str, str]:
    doc = lxml.html.fromstring(client.get("/").get_data(as_text=True))
    node = doc.xpath('//section[@aria-labelledby="page-status"]')[0]
    indicator = next(c for c in node.get("class").split() if c.startswith("indicator-"))
    return indicator.removeprefix("indicator-"), " ".join(node.xpath(".//h1")[0].text.split())


BANNER_CASES = [
    name for name in CASES
    if not name.startswith("no components,") and "incident" not in name
    and not CASES[name][2]
]


@pytest.mark.parametrize("case", BANNER_CASES)
def test_banner_shows_the_rollup_of_component_statuses(
    client: FlaskClient, factory: Factory, case: str
) -> None:
    statuses, _, _, expected = CASES[case]
    group = factory.group("Everything")  # groups are not counted, only their components
    for n, status in enumerate(statuses):
        factory.component(f"C{n}", group=group if n % 2 else None, status=status)
    assert banner(client) == expected


@pytest.mark.parametrize(("severity", "expected"), [
    ("SEV1", ("critical", "Major System Outage")),
    ("SEV2", ("major", "Partial System Outage")),
    ("SEV3", ("minor", "Minor Service Outage")),
])
def test_banner_without_components_uses_the_open_incident_impact(
    client: FlaskClient, factory: Factory, severity: str, expected: tuple[str, str]
) -> None:
    factory.incident(severity=severity)
    assert banner(client) == expected


def test_banner_with_components_ignores_incident_impact(
    client: FlaskClient, factory: Factory
) -> None:
    factory.component("API")
    factory.incident(severity="SEV1")
    assert banner(client) == ("none", "All Systems Operational")


def test_banner_shows_maintenance_only_when_nothing_is_worse(
    client: FlaskClient, factory: Factory
) -> None:
    api = factory.component("API")
    factory.component("Website")
    maintenance = factory.maintenance(starts_in=timedelta(minutes=-1), components=[api])
    assert banner(client) == ("none", "All Systems Operational")  # scheduled is not active

    start_maintenance(maintenance, "Started.", None)
    assert banner(client) == ("maintenance", "Service Under Maintenance")

    factory.incident(components={api: "degraded_performance"})
    assert banner(client) == ("minor", "Degraded System Service")


def test_banner_without_components_shows_active_maintenance(
    client: FlaskClient, factory: Factory
) -> None:
    maintenance = factory.maintenance(starts_in=timedelta(minutes=-1))
    assert banner(client) == ("none", "All Systems Operational")
    start_maintenance(maintenance, "Started.", None)
    assert banner(client) == ("maintenance", "Service Under Maintenance")
