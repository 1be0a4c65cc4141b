"""The `action` a console form's buttons submit, checked once for every console POST.

A composer (console/compose.py) publishes unless its `action` names another step it offers
(preview, reach, template), so an unknown value would publish: it is refused with 400 before
any view runs instead. No `action` at all (a form without the buttons, or a script) still
means the form's main step.
"""

from __future__ import annotations

from flask import abort, request

from statuspage.console import bp
from statuspage.console.composer import PREVIEW
from statuspage.console.reach_preview import REACH
from statuspage.console.template_picker import USE_TEMPLATE

PUBLISH = "publish"
SAVE = "save"
KNOWN_ACTIONS = frozenset({PUBLISH, SAVE, PREVIEW, REACH, USE_TEMPLATE})


@bp.before_request
def refuse_unknown_action() -> None:
    if request.method != "POST":
        return
    actions = request.form.getlist("action")
    if len(actions) > 1 or any(a not in KNOWN_ACTIONS for a in actions):
        abort(400, description="This form was sent with an unknown action; nothing was done. "
                               "Reload the page and use one of its buttons.")
