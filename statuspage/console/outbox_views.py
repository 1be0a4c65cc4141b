"""The dev outbox: what the log backend 'sent' while no provider credentials are configured."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from statuspage.console import bp, outbox_redaction
from statuspage.console.access import require_role
from statuspage.console.auth_views import display_zone
from statuspage.core.extensions import db
from statuspage.core.numbers import page_number
from statuspage.models import OutboxMessage

PER_PAGE = 25


def log_backed_channels() -> list[str]:
    """Channels whose messages land in the outbox: those without provider credentials.

    Mirrors statuspage.notify.registry's choice (webhooks and chat messages always go out over
    HTTP: they are in the delivery log, never here).
    """
    config = current_app.config
    channels = []
    if not config.get("SENDGRID_API_KEY"):
        channels.append("email")
    if not (config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")):
        channels.append("sms")
    return channels


@bp.get("/outbox")
@require_role("viewer")
def outbox() -> ResponseReturnValue:
    # Newest first, served by the index on created_at; id orders messages of one batch.
    query = select(OutboxMessage).order_by(OutboxMessage.created_at.desc(),
                                           OutboxMessage.id.desc())
    page = db.paginate(query, page=page_number(), per_page=PER_PAGE,
                       max_per_page=PER_PAGE, error_out=False)
    # Recipients' personal links (manage, unsubscribe, confirm, internal) only for editors.
    messages = outbox_redaction.present(page.items, current_user)
    return render_template("console/outbox.html", page=page, messages=messages,
                           zone=display_zone(), log_channels=log_backed_channels())
