"""Sending the one message an unconfirmed subscriber may get: their confirmation.

Run by a worker task (statuspage.tasks.subscriptions), never in a web request:
- email: a signed, expiring confirmation link; an address that is already active gets its
  manage link instead, so a sign-up reveals nothing to whoever typed the address;
- SMS: a new six-digit code (stored hashed; the text carries the only plain copy);
- webhook: a signed test POST; a 2xx answer confirms the webhook;
- chat (Slack, Teams, Discord, Google Chat): a test message in the channel carrying the
  confirmation link (as for email: an active destination's link leads to its manage page).
"""

from __future__ import annotations

import dataclasses
import logging

from flask import current_app

from statuspage.core.extensions import db
from statuspage.core.sealing import SealError
from statuspage.messages import build as messages
from statuspage.messages.chat import chat_confirmation_notice, render_chat_confirmation
from statuspage.models import Subscriber
from statuspage.models.subscribers import CHAT_CHANNELS, EMAIL, SMS
from statuspage.notify import registry
from statuspage.notify.base import DeliveryError
from statuspage.notify.chat import ChatSender
from statuspage.subscriptions import chat, leaving
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.codes import issue_code
from statuspage.subscriptions.links import confirm_url, manage_url, recipient_for

log = logging.getLogger(__name__)

OPTED_OUT = frozenset({"stop", "user"})


def send_confirmation(subscriber_id: int) -> str | None:
    """Send the confirmation for the subscriber's current state; the provider's id, or None.

    A transient DeliveryError is raised again so the task is retried; a permanent one is
    recorded (and suppresses the subscriber when the provider says the address is dead).
    """
    subscriber = db.session.get(Subscriber, subscriber_id)
    if subscriber is None or subscriber.suppressed_at is not None \
            or subscriber.unsubscribed_at is not None:
        return None  # it changed since the sign-up; nothing may be sent now
    try:
        return _send(subscriber)
    except DeliveryError as error:
        log.warning("confirmation to subscriber %s (%s) failed: %s", subscriber.public_id,
                    subscriber.channel, error.message)
        if error.suppress in OPTED_OUT:
            # The person opted out at the provider (STOP): the same state as our own STOP
            # handling, which a START at the handset undoes.
            leaving.unsubscribe(subscriber, reason=error.suppress)
        elif error.suppress:
            leaving.suppress(subscriber, error.suppress)
        if error.permanent:
            return None
        raise


def _send(subscriber: Subscriber) -> str:
    recipient = recipient_for(subscriber, None)
    if subscriber.channel == EMAIL:
        # An active address gets its manage page, so that a stranger typing it on the form
        # can neither learn that it is subscribed nor change what it receives.
        link = manage_url(subscriber) if subscriber.confirmed_at else confirm_url(subscriber)
        content = messages.render_confirmation_email(subscriber, link)
        return registry.email_channel().send_batch(content, [recipient])
    if subscriber.channel == SMS:
        code = issue_code(subscriber)
        db.session.commit()  # the hash is saved before the text can arrive
        return registry.sms_channel().send(
            messages.render_confirmation_sms(code, subscriber.language), recipient)
    if subscriber.channel in CHAT_CHANNELS:
        return _send_chat(subscriber)
    message_id = registry.webhook_channel().send(messages.webhook_test_payload(subscriber),
                                                 recipient)
    subscriptions.confirm_webhook(subscriber)
    return message_id


def _send_chat(subscriber: Subscriber) -> str:
    try:
        url = chat.destination_url(subscriber)
    except SealError:
        raise DeliveryError("The chat destination cannot be opened (SECRET_KEY changed?)",
                            permanent=True, code="sealed") from None
    # The confirmation link even when already active: its page then leads to the manage page,
    # so whoever typed the URL learns nothing and changes nothing.
    notice = chat_confirmation_notice(subscriber, confirm_url(subscriber))
    recipient = dataclasses.replace(recipient_for(subscriber, None), address=url)
    return ChatSender.from_config(current_app.config).send(
        render_chat_confirmation(subscriber.channel, notice), recipient)
