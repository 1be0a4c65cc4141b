"""Console blueprint: the authenticated interface for communications staff.

Views live in one module per area; each registers its routes on `bp` and wraps every view in
`access.require_role` (or `access.public_console_route` for the login form).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app
from flask_login import current_user

bp = Blueprint("console", __name__, url_prefix="/console")

# (endpoint, label, role needed to see the link)
NAV = [
    ("console.incidents", "Incidents", "viewer"),
    ("console.maintenances", "Maintenance", "viewer"),
    ("console.components", "Components", "viewer"),
    ("console.subscribers", "Subscribers", "viewer"),
    ("console.stakeholders", "Stakeholders", "viewer"),
    ("console.plan", "Communication plan", "viewer"),
    ("console.message_templates", "Templates", "viewer"),
    ("console.reports", "Reports", "viewer"),
    ("console.outbox", "Dev outbox", "viewer"),
    ("console.users", "Users", "admin"),
    ("console.tokens", "API tokens", "admin"),
    ("console.audit_log", "Audit log", "admin"),
    ("console.settings", "Page settings", "admin"),
    ("console.account", "Account", "viewer"),
]


@bp.app_context_processor
def _console_nav() -> dict[str, Any]:
    from statuspage.console.access import ALLOWED

    if not current_user or not current_user.is_authenticated:
        return {"console_nav": []}
    items = [
        (endpoint, label)
        for endpoint, label, role in NAV
        if endpoint in current_app.view_functions and current_user.role in ALLOWED[role]
    ]
    return {"console_nav": items}


from statuspage.console import (  # noqa: E402,F401  (route registration)
    approval_views,
    audit_views,
    auth_views,
    component_views,
    delivery_views,
    draft_edit_views,
    incident_role_views,
    incident_views,
    maintenance_views,
    outbox_views,
    plan_views,
    postmortem_review_views,
    postmortem_views,
    report_views,
    settings_views,
    stakeholder_views,
    subscriber_views,
    template_views,
    token_views,
    user_views,
)
