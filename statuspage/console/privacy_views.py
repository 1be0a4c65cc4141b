"""Console privacy page: look one person up by address, export what is held, or erase it.

Admins only: an export hands out one person's data, and an erasure cannot be undone. Every
step is a POST, so the address never sits in a URL (browser history, proxy logs); both the
export and the erasure are in the audit log, with the address masked (statuspage.privacy).
"""

from __future__ import annotations

import contextlib
import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from statuspage.console import bp
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.console.forms_subscribers import PersonForm
from statuspage.core.errors import DomainError, NotFound
from statuspage.models import utcnow
from statuspage.privacy import erase, export
from statuspage.privacy import person as people
from statuspage.subscriptions import queries as subscriber_queries

INVALID = 422
CONFIRMED = "yes"


def _page(form: PersonForm, who: people.Person | None = None,
          status: int = 200) -> ResponseReturnValue:
    held = people.held(who) if who is not None else None
    if who is not None and who.key != who.address:
        form.address.data = who.key  # a chat webhook URL is not shown again (people.label)
    return render_template("console/privacy.html", form=form, who=who, held=held,
                           label=people.label(who) if who is not None else "",
                           zone=display_zone()), status


def _person_or_page(form: PersonForm) -> people.Person | ResponseReturnValue:
    if not form.validate():
        return _page(form, status=INVALID)
    try:
        return people.person(form.address.data or "")
    except DomainError as error:
        form.add_error(error)
        return _page(form, status=INVALID)


@bp.route("/privacy", methods=["GET", "POST"])
@require_role("admin")
def privacy() -> ResponseReturnValue:
    """GET: the lookup form (filled in from ?subscriber=<id>); POST: what is held about them."""
    form = PersonForm()
    if request.method == "GET":
        subscriber_id = request.args.get("subscriber", "")[:12]
        if subscriber_id:
            with contextlib.suppress(NotFound):
                found = subscriber_queries.get_subscriber(subscriber_id)
                form.address.data = people.lookup_key(found.channel, found.address)
        return _page(form)
    who = _person_or_page(form)
    if not isinstance(who, people.Person):
        return who
    return _page(form, who)


@bp.post("/privacy/export")
@require_role("admin")
def privacy_export() -> ResponseReturnValue:
    """Everything held about the person, as a JSON download (audited)."""
    form = PersonForm()
    who = _person_or_page(form)
    if not isinstance(who, people.Person):
        return who
    document = export.export_person(who, current_user)
    response = Response(json.dumps(document, indent=1, ensure_ascii=False) + "\n",
                        mimetype="application/json")
    filename = f"personal-data-{who.reference}-{utcnow():%Y%m%d-%H%M%S}.json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/privacy/erase")
@require_role("admin")
def privacy_erase() -> ResponseReturnValue:
    """First POST: the confirmation page; the confirming POST erases (audited)."""
    form = PersonForm()
    who = _person_or_page(form)
    if not isinstance(who, people.Person):
        return who
    if form.confirm.data != CONFIRMED:
        return render_template("console/privacy_erase.html", form=form, who=who,
                               held=people.held(who), label=people.label(who),
                               confirmed=CONFIRMED)
    done = erase.erase_person(who, current_user)
    if done.erased:
        flash(f"Everything held about {who.masked} was erased.", "success")
    else:
        flash(f"Nothing personal was held about {who.masked}; the request is in the audit "
              "log.", "success")
    return redirect(url_for("console.privacy")), 303
