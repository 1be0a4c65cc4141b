"""Slack channels reached with the bot token: one thread per incident (issue 13).

The first message about an incident to such a channel is posted with chat.postMessage and its
`ts` kept (models.ChatThread, per recipient row and incident); every later one replies with
`thread_ts` = that ts, and the resolution is also shown in the channel (`reply_broadcast`, see
notify.chat.slack_api). A message about no incident (a component's change) is posted alone.

One thread, even when several senders meet: before posting a thread's first message, a sender
claims it (a row without ts, unique per destination and incident, held for the send's
timeout and a margin). Another message about the same incident meanwhile finds the claim,
gives its delivery back (not an attempt) and comes back in a couple of seconds for the ts. A
first message that fails releases the claim, so its retry (or the next update) starts the
thread; once a ts is kept, every message, a retry or a re-send after a crash included, replies
in that thread. What cannot be told apart: a first message Slack saved but whose answer was
lost (a timeout), or a worker that died between Slack's answer and keeping the ts: the retry
then starts a second thread, as a webhook's retry would post a second message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from statuspage.core.extensions import db
from statuspage.core.transaction import execute_dml
from statuspage.delivery.faults import persist
from statuspage.delivery.send import Item
from statuspage.models import ChatThread, FanoutEvent, utcnow
from statuspage.notify import registry
from statuspage.notify.base import ChatContent, DeliveryError

log = logging.getLogger(__name__)

# How soon a message waiting for another sender's first message of the thread comes back.
BUSY_WAIT_SECONDS = 2.0
# A claim outlives the first message's send by this much (on top of its timeout).
CLAIM_MARGIN_SECONDS = 30.0


class ThreadBusy(Exception):
    """Another sender is posting the first message of this thread: come back in `wait` s."""

    def __init__(self, wait: float = BUSY_WAIT_SECONDS) -> None:
        super().__init__(f"thread being started; back in {wait:.0f}s")
        self.wait = wait


def send_to_slack_channel(item: Item, channel_id: str, content: ChatContent) -> str:
    """Post one delivery into its Slack channel, in its incident's thread; Slack's ts.

    Raises DeliveryError as the Web API's answer says (notify.chat.slack_api), permanent
    "no_bot_token" when SLACK_BOT_TOKEN is not set, and ThreadBusy (see the module).
    """
    api = registry.slack_api()
    if api is None:
        raise DeliveryError("Slack channel destination needs SLACK_BOT_TOKEN, which is not "
                            "set: set it, or give the destination a webhook URL",
                            permanent=True, code="no_bot_token")
    incident_id = persist(lambda: _incident_of(item.event_id), "reading a chat thread")
    if not content.thread_key or incident_id is None:
        return api.post(channel_id, content)
    key = (item.subscriber_id, incident_id)
    thread_ts = persist(lambda: _claim(*key), "claiming a Slack thread")
    if thread_ts:
        return api.post(channel_id, content, thread_ts=thread_ts)
    try:
        posted = api.post(channel_id, content)
    except BaseException:
        _quietly(lambda: _release(*key), "releasing a Slack thread")
        raise
    # The message is in the channel whatever happens next: never raise from here, or its
    # retry would post it again.
    _quietly(lambda: _keep(*key, posted), "keeping a Slack thread's ts")
    return posted


def _quietly(work: Callable[[], None], what: str) -> None:
    try:
        persist(work, what)
    except Exception:
        log.exception("%s failed", what)


def _incident_of(event_id: int) -> int | None:
    incident_id = db.session.scalar(select(FanoutEvent.incident_id)
                                    .where(FanoutEvent.id == event_id))
    db.session.commit()
    return incident_id


def _claim(subscriber_id: int, incident_id: int) -> str:
    """The thread's ts; "" when the caller now holds the claim to post its first message.
    ThreadBusy while another sender holds it."""
    now = utcnow()
    until = now + timedelta(seconds=float(current_app.config.get("WEBHOOK_TIMEOUT_SECONDS")
                                          or 10.0) + CLAIM_MARGIN_SECONDS)
    where = (ChatThread.subscriber_id == subscriber_id, ChatThread.incident_id == incident_id)
    row = db.session.execute(select(ChatThread.id, ChatThread.thread_ts,
                                    ChatThread.claimed_until).where(*where)).first()
    if row is None:
        db.session.add(ChatThread(subscriber_id=subscriber_id, incident_id=incident_id,
                                  claimed_until=until))
        try:
            db.session.commit()
        except IntegrityError:  # another sender inserted its claim first
            db.session.rollback()
            raise ThreadBusy() from None
        return ""
    if row.thread_ts:
        db.session.commit()
        return str(row.thread_ts)
    # A claim left by a sender that died (or whose database write failed) expires.
    taken = execute_dml(
        update(ChatThread)
        .where(ChatThread.id == row.id, ChatThread.thread_ts.is_(None),
               or_(ChatThread.claimed_until.is_(None), ChatThread.claimed_until <= now))
        .values(claimed_until=until).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if taken != 1:
        raise ThreadBusy()
    return ""


def _release(subscriber_id: int, incident_id: int) -> None:
    db.session.execute(delete(ChatThread).where(
        ChatThread.subscriber_id == subscriber_id, ChatThread.incident_id == incident_id,
        ChatThread.thread_ts.is_(None)))
    db.session.commit()


def _keep(subscriber_id: int, incident_id: int, thread_ts: str) -> None:
    db.session.execute(
        update(ChatThread)
        .where(ChatThread.subscriber_id == subscriber_id,
               ChatThread.incident_id == incident_id, ChatThread.thread_ts.is_(None))
        .values(thread_ts=thread_ts[:64], claimed_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()
