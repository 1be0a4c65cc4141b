"""The audit log (admin only): who changed what, when, newest first."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.core.extensions import db
from statuspage.core.numbers import page_number
from statuspage.models import AuditEntry

PER_PAGE = 50


@bp.route("/audit")
@require_role("admin")
def audit_log() -> ResponseReturnValue:
    # Served by the index on AuditEntry.at; id breaks ties between entries of one transaction.
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE,
                       max_per_page=PER_PAGE, error_out=False)
    return render_template("console/audit.html", page=page, zone=display_zone())
