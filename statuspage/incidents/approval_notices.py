"""Approvals that move: the people who can approve a draft are told at once, the author of a
rejected one too. Sent by the worker, never by the web request.

A draft (an IncidentUpdate or a PostmortemReview in state draft) committed by any path (the
console, the API, the CLI) is noticed when it is flushed, and once its transaction commits the
worker is asked to tell the approvers (jobs: `notify_approvers`). A lost enqueue loses nothing: the
worker's sweep (every minute) tells every draft whose `approval_notified_at` is still empty.
A conditional UPDATE on `approval_notified_at` claims the notice, so two workers (or the task
and the sweep) never send it twice; as with the cadence reminders, the claim commits before
the messages leave (a crash in between loses a notice rather than sending two), and it is
released when every message was refused, so the sweep tries again.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.messages import approval_context as draft
from statuspage.messages import approval_labels as labels
from statuspage.messages import approvals as text
from statuspage.models import IncidentUpdate, PostmortemReview, User
from statuspage.models.incidents import DRAFT, REJECTED
from statuspage.notify.base import DeliveryError, Recipient
from statuspage.notify.registry import email_channel, sms_channel

log = logging.getLogger(__name__)

UPDATE, POSTMORTEM = "update", "postmortem"
MODELS: dict[str, Any] = {UPDATE: IncidentUpdate, POSTMORTEM: PostmortemReview}
APPROVER_ROLES = ("communicator", "admin")


def approvers(author_id: int | None) -> list[User]:
    """Every active user allowed to approve a draft by `author_id`: communicators and admins,
    never its author."""
    query = select(User).where(User.role.in_(APPROVER_ROLES), User.is_active_user.is_(True))
    if author_id is not None:
        query = query.where(User.id != author_id)
    return list(db.session.execute(query.order_by(User.id)).scalars())


def _recipient(user: User, address: str, link: str) -> Recipient:
    # A console user is no subscriber: no unsubscribe header (a one-click POST to the console
    # would do nothing); the manage link leads to where the draft is decided.
    return Recipient(delivery_id=None, subscriber_id=user.id, address=address, language="en",
                     manage_url=link, unsubscribe_url="")


def notify_approvers(kind: str, item_id: int, now: datetime) -> int:
    """Tell the approvers of one draft that it waits: email to each, and an SMS to those
    with a phone when the incident is SEV1 or SEV2. Returns how many messages were accepted
    (0: already told, no longer waiting, or nobody could be told)."""
    model = MODELS[kind]
    claimed = execute_dml(
        update(model)
        .where(model.id == item_id, model.state == DRAFT, model.approval_notified_at.is_(None))
        .values(approval_notified_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return 0
    item = db.session.get(model, item_id, populate_existing=True)
    assert item is not None
    waiting = draft.waiting_update(item) if kind == UPDATE else draft.waiting_postmortem(item)
    people = approvers(item.author_id)
    content = text.approval_email(waiting)
    emails = [_recipient(user, user.email, waiting.link) for user in people]
    sms = text.approval_sms(waiting)
    phones = [_recipient(user, user.phone, waiting.link)
              for user in people if waiting.urgent and user.phone]
    db.session.commit()
    if not people:
        # Claimed all the same: the sweep would find nobody every minute. An admin can still
        # publish it (break glass); the console shows it waiting.
        log.warning("nobody can approve %s %s", kind, waiting.public_id)
        return 0
    sent = 0
    try:
        email_channel().send_batch(content, emails)
        sent += len(emails)
    except DeliveryError as error:
        log.warning("approval notice email for %s not sent: %s", waiting.public_id,
                    error.message)
        db.session.rollback()
    for phone in phones:
        try:
            sms_channel().send(sms, phone)
            sent += 1
        except DeliveryError as error:
            log.warning("approval notice SMS for %s not sent: %s", waiting.public_id,
                        error.message)
            db.session.rollback()
    if not sent:
        db.session.execute(
            update(model).where(model.id == item_id, model.approval_notified_at == now)
            .values(approval_notified_at=None)
            .execution_options(synchronize_session=False))
        db.session.commit()
    return sent


def notify_waiting(now: datetime) -> list[str]:
    """The sweep: tell the approvers of every draft not told yet; returns the public ids told.

    Run every minute by the worker; safe to run concurrently (see notify_approvers).
    """
    found: list[tuple[str, int, str]] = []
    for kind, model in MODELS.items():
        found.extend((kind, item_id, public_id) for item_id, public_id in db.session.execute(
            select(model.id, model.public_id)
            .where(model.state == DRAFT, model.approval_notified_at.is_(None))
            .order_by(model.id)))
    db.session.rollback()
    return [public_id for kind, item_id, public_id in found
            if notify_approvers(kind, item_id, now)]


def tell_author(kind: str, item_id: int) -> bool:
    """Tell the author of a rejected draft who rejected it and why, and that the text is back
    in the composer (or, for a postmortem, still in the editor). Returns whether it was sent."""
    item = db.session.get(MODELS[kind], item_id)
    if item is None or item.state != REJECTED or item.author is None:
        return False
    author = item.author
    if not author.is_active_user:
        return False
    reviewer = labels.user_label(item.reviewed_by)
    comment = item.review_comment or ""
    if kind == UPDATE:
        # The composer the text is back in: the resolve form for a resolution.
        anchor = ("" if item.incident.is_maintenance
                  else "resolve-title" if item.status == "resolved" else "update-title")
        link = draft.update_page(item, anchor)
        content = text.rejection_email(labels.what_waits(item), item.incident.name, reviewer,
                                       comment, link, item.public_id)
    else:
        link = draft.console_url("console.postmortem", item.incident.public_id, "editor-title")
        content = text.rejection_email("postmortem", item.incident.name, reviewer, comment,
                                       link, item.public_id, composer="editor")
    db.session.commit()
    try:
        email_channel().send_batch(content, [_recipient(author, author.email, link)])
    except DeliveryError as error:
        log.warning("rejection notice for %s not sent: %s", item.public_id, error.message)
        return False
    return True


def tell_author_after_commit(kind: str, item_id: int) -> None:
    """Ask the worker to tell the author of a rejected draft once the rejection commits."""
    jobs.enqueue_after_commit(db.session, "tell_author", kind, item_id,
                              what=f"the rejection notice for {kind} {item_id}")


@sa_event.listens_for(Session, "after_flush")
def _drafts_flushed(session: Session, _context: Any) -> None:
    """Note every draft this flush inserted: its approvers are told after the commit."""
    for item in session.new:
        kind = (UPDATE if isinstance(item, IncidentUpdate)
                else POSTMORTEM if isinstance(item, PostmortemReview) else None)
        if kind is not None and item.state == DRAFT:
            jobs.enqueue_after_commit(session, "notify_approvers", kind, item.id,
                                      what=f"the approver notice for {kind} {item.id}")
