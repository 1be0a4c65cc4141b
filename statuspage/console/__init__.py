"""Console blueprint: the authenticated interface for communications staff.

Views live in one module per area; each registers its routes on `bp` and wraps every view in
`access.require_role` (or `access.public_console_route` for the login form).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask_login import current_user

from statuspage.console.access import ALLOWED

bp = Blueprint("console", __name__, url_prefix="/console")

# (endpoint, label, role needed to see the link)
NAV = [
    ("console.dashboard", "Dashboard", "viewer"),
    ("console.incidents", "Incidents", "viewer"),
    ("console.maintenances", "Maintenance", "viewer"),
    ("console.components", "Components", "viewer"),
    ("console.alerts", "Monitoring alerts", "viewer"),
    ("console.subscribers", "Subscribers", "viewer"),
    ("console.stakeholders", "Stakeholders", "viewer"),
    ("console.plan", "Communication plan", "viewer"),
    ("console.message_templates", "Templates", "viewer"),
    ("console.reports", "Reports", "viewer"),
    ("console.follow_ups", "Follow-ups", "viewer"),
    ("console.outbox", "Dev outbox", "viewer"),
    ("console.users", "Users", "admin"),
    ("console.tokens", "API tokens", "admin"),
    ("console.audit_log", "Audit log", "admin"),
    ("console.privacy", "Privacy", "admin"),
    ("console.settings", "Page settings", "admin"),
]
# The navigation's sections, in order. An entry of NAV in no section is listed under "More",
# so a page added to NAV is never unreachable; give it its section here.
NAV_SECTIONS = [
    ("Incident response", ("console.dashboard", "console.incidents", "console.maintenances",
                           "console.components", "console.alerts")),
    ("Audience", ("console.subscribers", "console.stakeholders", "console.plan",
                  "console.message_templates")),
    ("Insight", ("console.reports", "console.follow_ups", "console.outbox")),
    ("Admin", ("console.users", "console.tokens", "console.audit_log", "console.privacy",
               "console.settings")),
]
# Shown in the top bar on a phone without opening the menu: the incident work.
NAV_QUICK = ("console.dashboard", "console.incidents")


def _sections(items: list[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(title, [(endpoint, label)]) for the sections that have a link this user may see."""
    placed = {endpoint for _, endpoints in NAV_SECTIONS for endpoint in endpoints}
    labels = dict(items)
    sections = [(title, [(e, labels[e]) for e in endpoints if e in labels])
                for title, endpoints in NAV_SECTIONS]
    sections.append(("More", [(e, label) for e, label in items if e not in placed]))
    return [(title, links) for title, links in sections if links]


@bp.app_context_processor
def _console_nav() -> dict[str, Any]:
    if not current_user or not current_user.is_authenticated:
        return {"console_sections": [], "console_quick": [], "can_declare": False}
    items = [
        (endpoint, label)
        for endpoint, label, role in NAV
        if endpoint in current_app.view_functions and current_user.role in ALLOWED[role]
    ]
    return {
        "console_sections": _sections(items),
        "console_quick": [(e, label) for e, label in items if e in NAV_QUICK],
        "can_declare": current_user.role in ALLOWED["communicator"],
    }


from statuspage.console import (  # noqa: E402,F401  (route registration)
    alert_views,
    approval_views,
    audit_views,
    auth_views,
    component_views,
    dashboard_views,
    delivery_views,
    draft_edit_views,
    follow_up_views,
    form_actions,
    incident_role_views,
    incident_views,
    maintenance_views,
    outbox_views,
    plan_views,
    postmortem_review_views,
    postmortem_views,
    privacy_views,
    proposal_views,
    report_views,
    settings_views,
    stakeholder_chat_views,
    stakeholder_views,
    subscriber_views,
    template_views,
    token_views,
    user_views,
)
