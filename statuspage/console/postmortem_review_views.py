"""Console views deciding a postmortem submitted for approval: approve (or edit and approve),
reject, withdraw (its author) or publish without approval (an admin, break glass)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from statuspage.console import approval_cards, approval_views, bp
from statuspage.console.access import require_role
from statuspage.core.errors import DomainError, NotFound
from statuspage.incidents import postmortem_reviews, postmortems
from statuspage.messages.approval_labels import rejected_by, user_label
from statuspage.models import Incident, PostmortemReview
from statuspage.models.incidents import REJECTED
from statuspage.plan import rules as plan


@dataclass(frozen=True)
class PublishState:
    """What the postmortem page's Publish section says about approval."""

    needs_approval: bool
    card: approval_cards.ApprovalCard | None
    # The last submission was rejected (and none followed): "Rejected by X: <comment>."
    rejected: str = ""


def publish_state(incident: Incident) -> PublishState:
    """Whether publishing waits for approval, the waiting submission, or the last rejection."""
    user = current_user if current_user.is_authenticated else None
    needs = plan.needs_approval(plan.plan_severity(incident))
    waiting = postmortems.pending_review(incident)
    if waiting is not None:
        return PublishState(needs, approval_cards.postmortem_card(waiting, user))
    last = postmortem_reviews.latest(incident)
    if (last is not None and last.state == REJECTED
            and incident.postmortem_published_at is None):
        return PublishState(needs, None, rejected_by(user_label(last.reviewed_by, "a reviewer"),
                                                     last.review_comment or ""))
    return PublishState(needs, None)


def _review_or_404(public_id: str) -> PostmortemReview:
    try:
        return postmortem_reviews.get(public_id)
    except NotFound:
        abort(404)


def _run(review: PostmortemReview, action: Callable[[], object],
         done: Callable[[], str]) -> ResponseReturnValue:
    """Run one use-case; flash what happened (or the refusal); back to the postmortem page."""
    target = (url_for("console.dashboard") if approval_views.decided_from_dashboard()
              else url_for("console.postmortem", public_id=review.incident.public_id))
    try:
        action()
    except DomainError as error:
        flash(str(error), "error")
    else:
        flash(done(), "success")
    return redirect(target), 303


@bp.post("/postmortem-reviews/<public_id>/approve")
@require_role("communicator")
def postmortem_review_approve(public_id: str) -> ResponseReturnValue:
    review = _review_or_404(public_id)
    return _run(
        review,
        lambda: postmortem_reviews.approve(review, current_user, request.form.get("comment", ""),
                                           body=request.form.get("body")),
        lambda: _("Postmortem edited and published.") if review.review_action == "edited"
        else _("Postmortem approved and published."))


@bp.post("/postmortem-reviews/<public_id>/reject")
@require_role("communicator")
def postmortem_review_reject(public_id: str) -> ResponseReturnValue:
    review = _review_or_404(public_id)
    return _run(
        review,
        lambda: postmortem_reviews.reject(review, current_user, request.form.get("comment", "")),
        lambda: _("Postmortem rejected; it stays unpublished and its author is told."))


@bp.post("/postmortem-reviews/<public_id>/withdraw")
@require_role("communicator")
def postmortem_review_withdraw(public_id: str) -> ResponseReturnValue:
    review = _review_or_404(public_id)
    return _run(review, lambda: postmortem_reviews.withdraw(review, current_user),
                lambda: _("Postmortem withdrawn from approval; the draft stays in the editor."))


@bp.post("/postmortem-reviews/<public_id>/break_glass")
@require_role("admin")
def postmortem_review_break_glass(public_id: str) -> ResponseReturnValue:
    review = _review_or_404(public_id)
    return _run(
        review,
        lambda: postmortem_reviews.break_glass(review, current_user,
                                               request.form.get("reason", "")),
        lambda: _("Postmortem published without approval (break glass)."))
