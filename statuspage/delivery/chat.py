"""Send one chat delivery: claim it, open its sealed destination, write the message in the
provider's format, wait for the destination's next slot, post it, record the answer.

Chat messages go one task per delivery (delivery.dispatch), like webhooks: a slow or busy
channel delays only itself. The message is the event's chat notice (messages.chat) in the
recipient's language: a public subscriber's carries their manage and unsubscribe links; a
stakeholder group's destination gets the internal updates too, linked to the group's own view
of the incident, with no links to leave by (staff manage it).

Pacing: the destination's next slot (delivery.chat_pacing, from the provider's documented
rate and what its last answer said, e.g. Discord's bucket headers). A short wait is slept
here; a longer one gives the delivery back (not an attempt) and enqueues it for then, so no
worker thread sleeps for seconds.

A stakeholder group's Slack channel reached with the bot token (its destination a channel id,
not a webhook URL) goes through the Web API instead, each incident in its own thread
(delivery.chat_threads); pacing, retries and records are the same.

Failures go through delivery.send.record_failure: a 429 or 5xx is retried after the wait the
provider asked for (or the backoff); a destination the provider says is gone fails and its
recipient row is suppressed ("destination_gone"), which the console shows. The URL is a
credential: nothing here logs it (the log names the delivery and the subscriber id).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import select

from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.core.sealing import SealError, unseal
from statuspage.delivery.acceptances import keep_sent
from statuspage.delivery.chat_pacing import pacer
from statuspage.delivery.chat_threads import ThreadBusy, send_to_slack_channel
from statuspage.delivery.faults import persist
from statuspage.delivery.render_cache import rendered
from statuspage.delivery.send import (
    Item,
    as_delivery_error,
    claim,
    load_items,
    new_lease,
    reachable,
    record_failure,
    set_state,
)
from statuspage.messages.chat import ChatNotice, chat_notice, render_chat
from statuspage.models import Delivery, FanoutEvent, Subscriber, utcnow
from statuspage.models.deliveries import QUEUED
from statuspage.models.subscribers import CHAT_CHANNELS, SLACK
from statuspage.notify import registry
from statuspage.notify.base import ChatContent, DeliveryError, Recipient
from statuspage.notify.chat.sender import MIN_INTERVAL
from statuspage.notify.chat.slack_channels import slack_channel_of

log = logging.getLogger(__name__)

# The longest wait for a destination's slot slept in a worker thread; longer ones come back
# as a task scheduled for then. A little over Slack's one second, so back-to-back messages
# to one channel do not each make a round trip through the queue.
LONGEST_SLEEP_SECONDS = 1.5
# A public notice is read with this in its links' place; each message gets its reader's.
LINK = "https://link.invalid/"
# Delivery.provider_message_id's width (Google Chat's message names are long).
MAX_PROVIDER_ID = 128


@dataclass(frozen=True)
class Target:
    """Where one chat delivery goes: the provider and the recipient, its address the URL."""

    provider: str
    recipient: Recipient
    key: str  # the destination's fingerprint: its pacing key, and what logs may name
    slack_channel: str = ""  # a Slack channel id reached with the bot token; "" for a webhook


def send_chat(delivery_id: int) -> bool:
    """Post one chat delivery; True when the provider accepted it (see the module)."""
    lease = new_lease()
    items = persist(lambda: reachable(load_items(claim([delivery_id], lease=lease))),
                    "claiming a chat delivery")
    if not items:
        return False
    item = items[0]
    channel = registry.chat_channel()
    try:
        target = persist(lambda: _target(item), "reading a chat destination")
        wait = _wait_for_slot(channel, target)
        if wait is not None:
            _later(item, wait)
            return False
        content = persist(lambda: _render(item, target), "rendering a chat message")
        if target.slack_channel:
            provider_id = send_to_slack_channel(item, target.slack_channel, content)
        else:
            provider_id = channel.send(content, target.recipient)
    except ThreadBusy as busy:  # another message is starting the incident's thread
        _later(item, busy.wait)
        return False
    except Exception as error:  # recorded as a failure, never lost
        delay = record_failure(items, as_delivery_error(error))
        if delay is not None:
            persist(lambda: jobs.enqueue("send_chat", delivery_id, delay=delay),
                    "scheduling a chat retry")
        return False
    keep_sent([(delivery_id, (provider_id or "")[:MAX_PROVIDER_ID], None)])
    return True


def _target(item: Item) -> Target:
    """The delivery's provider and destination URL (unsealed: it never leaves this task), or
    the Slack channel id a bot destination names."""
    row = db.session.execute(
        select(Subscriber.channel, Subscriber.destination, Subscriber.address)
        .where(Subscriber.id == item.subscriber_id)).one()
    db.session.commit()
    if row.channel not in CHAT_CHANNELS or not row.destination:
        raise DeliveryError("Chat destination missing", permanent=True, code="no_destination")
    try:
        url = unseal(row.destination)
    except SealError:
        # Sealed under a key that is no longer configured (SECRET_KEY changed without
        # SECRET_KEY_FALLBACKS): staff give the destination its URL again.
        raise DeliveryError("Chat destination unreadable: sealed under another SECRET_KEY",
                            permanent=True, code="unsealable") from None
    return Target(row.channel, replace(item.to(), address=url), row.address,
                  slack_channel_of(url) if row.channel == SLACK else "")


def _wait_for_slot(channel: registry.ChatChannel, target: Target) -> float | None:
    """Sleep until the destination's slot if it is near; else the seconds to come back in."""
    interval = MIN_INTERVAL.get(target.provider, 0.0)
    slot = pacer().reserve(target.key, interval, longest=LONGEST_SLEEP_SECONDS,
                           at_least=_asked_wait(channel, target))
    if not slot.reserved:
        return slot.wait
    if slot.wait > 0:
        time.sleep(slot.wait)
    # What the destination said meanwhile (a send that ended while we slept, with Discord's
    # "none left in this bucket"), or a previous send that left later than its slot.
    still = _asked_wait(channel, target)
    if still > LONGEST_SLEEP_SECONDS:
        return still
    if still > 0:
        time.sleep(still)
    return None


def _asked_wait(channel: registry.ChatChannel, target: Target) -> float:
    """The wait the destination's last send and answer ask for (the webhook sender's, or the
    Slack bot's for a channel it posts to)."""
    if target.slack_channel:
        api = registry.slack_api()
        return api.wait_before_next(target.slack_channel) if api is not None else 0.0
    return channel.wait_before_next(target.provider, target.recipient.address)


def _later(item: Item, wait: float) -> None:
    """Give the delivery back, due in `wait` seconds (not an attempt), and enqueue it then."""
    def give_back() -> None:
        now = utcnow()
        set_state([item.delivery_id], now, state=QUEUED, attempts=Delivery.attempts - 1,
                  next_attempt_at=now + timedelta(seconds=wait))
    persist(give_back, "pacing a chat delivery")
    log.debug("chat delivery %s to subscriber %s waits %.1fs for its slot",
              item.delivery_id, item.subscriber_id, wait)
    persist(lambda: jobs.enqueue("send_chat", item.delivery_id, delay=wait),
            "scheduling a paced chat delivery")


def _render(item: Item, target: Target) -> ChatContent:
    """The message in the provider's format, with the recipient's own links.

    The notice (what the event says in the reader's language) is read once per event,
    language and audience for the next seconds (delivery.render_cache), as an email chunk's
    rendering is: a fan-out to a thousand channels reads the event once, not a thousand times;
    each message then gets its reader's links.
    """
    recipient = target.recipient
    public = not recipient.stakeholder

    def read() -> ChatNotice:
        event = db.session.get_one(FanoutEvent, item.event_id)
        # Links stand in for the reader's own: they decide the notice's footer.
        links = {"manage_url": LINK, "unsubscribe_url": LINK} if public else {}
        notice = chat_notice(event, item.language, **links)
        db.session.commit()
        return notice

    notice = rendered(("chat", item.event_id, item.language, public), read)
    if public:
        notice = replace(notice, manage_url=recipient.manage_url,
                         unsubscribe_url=recipient.unsubscribe_url)
    else:
        notice = replace(notice, incident_url=recipient.internal_url or notice.incident_url)
    return render_chat(target.provider, notice)
