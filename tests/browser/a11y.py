"""axe-core checks for the browser tests: WCAG 2.1 A and AA rules (and a few structural
best-practice rules), in the light and the dark colour scheme."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Beyond the WCAG tags, axe's best-practice rules for structure: screen-reader users move by
# landmarks and headings, and a table column without a header is read as nothing.
STRUCTURE = ["landmark-one-main", "landmark-unique", "region", "heading-order",
             "page-has-heading-one", "empty-table-header"]
OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS},
           "rules": {rule: {"enabled": True} for rule in STRUCTURE},
           "resultTypes": ["violations"]}
_axe = Axe()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations (WCAG 2.1 A/AA and STRUCTURE) on the page as it is now."""
    return list(_axe.run(page, options=OPTIONS).response["violations"])


def _describe(found: list[dict[str, Any]]) -> str:
    lines = []
    for violation in found:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: "
                         f"{node.get('failureSummary', '').splitlines()[-1:]}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str = "") -> None:
    """Zero violations in the light and in the dark colour scheme (contrast differs)."""
    label = what or page.url
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        assert page.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")
        # Colours must have settled (no transition mid-way) before contrast is measured.
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                      "requestAnimationFrame(r)))")
        found = violations(page)
        assert not found, f"{label} ({scheme} scheme):\n{_describe(found)}"
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")
