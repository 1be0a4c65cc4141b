"""The list of follow-up actions across incidents: what the reviews promised and is not done."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.incidents.follow_ups import follow_up_list


@bp.get("/follow-ups")
@require_role("viewer")
def follow_ups() -> ResponseReturnValue:
    owner = request.args.get("owner", "").strip() or None
    include_done = request.args.get("done") == "1"
    return render_template("console/follow_ups.html",
                           listing=follow_up_list(owner, include_done))
