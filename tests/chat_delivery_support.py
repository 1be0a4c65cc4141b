"""Helpers for the chat delivery tests: chat destinations of groups and of the public, the fake
endpoints checking every payload against the providers' documented rules."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.core.sealing import fingerprint, seal
from statuspage.models import Component, FanoutEvent, Incident, StakeholderGroup, Subscriber, utcnow
from statuspage.notify.chat import check_chat_url
from statuspage.plan.stakeholder_chat import ChatInput, add_chat_destination
from statuspage.plan.stakeholders import create_group
from statuspage.tasks.queues import huey
from tests.chat_support import RULES
from tests.delivery_support import queued_tasks
from tests.fakes.chat import FakeChat


def chat_ready(app: Flask, fake: FakeChat) -> None:
    """The app may send to the loopback fake, which checks each payload's documented rules."""
    app.config.update(WEBHOOK_ALLOW_LOOPBACK=True, WEBHOOK_TIMEOUT_SECONDS=2.0)
    fake.validator = lambda provider, payload: RULES[provider](payload)


def group_with_chats(name: str, *destinations: tuple[str, str]) -> StakeholderGroup:
    """A group whose members are chat destinations: (channel name, webhook URL) pairs."""
    group = create_group(name, "", None)
    for channel_name, url in destinations:
        add_chat_destination(group, ChatInput(channel_name, url), None)
    return group


def public_chat(provider: str, url: str, *, language: str = "en",
                components: Sequence[Component] = ()) -> Subscriber:
    """A confirmed public chat subscriber, made directly (the sign-up form is elsewhere)."""
    checked = check_chat_url(provider, url, allow_loopback=True)
    now = utcnow()
    row = Subscriber(channel=provider, address=fingerprint(checked), destination=seal(checked),
                     language=language, confirmed_at=now, consent_source="test",
                     consent_at=now, public_id=secrets.token_hex(6))
    row.components = list(components)
    db.session.add(row)
    db.session.commit()
    return row


def events_of(incident: Incident) -> list[FanoutEvent]:
    db.session.expire_all()
    return list(db.session.execute(select(FanoutEvent).filter_by(incident_id=incident.id)
                                   .order_by(FanoutEvent.id)).scalars())


@contextmanager
def worker(app: Flask) -> Iterator[None]:
    """Tasks queue up meanwhile and run as the consumer would, scheduled ones included."""
    with queued_tasks():
        yield
        run_all(app)


def run_all(app: Flask, timeout: float = 30.0) -> int:
    """Run the worker queue's tasks as the consumer does until none is left: a task whose
    time has not come waits in the schedule, and runs once it is due; returns tasks run."""
    ran, deadline = 0, time.monotonic() + timeout
    while time.monotonic() < deadline:
        task = huey.dequeue()
        if task is not None:
            if huey.ready_to_run(task):
                huey.execute(task)
                ran += 1
            else:
                huey.add_schedule(task)
            continue
        due = huey.read_schedule()
        for task in due:
            huey.enqueue(task)
        if not due:
            if not huey.scheduled():
                return ran
            time.sleep(0.05)
    raise AssertionError("scheduled tasks still waiting after the timeout")


def bot_ready(app: Flask, fake: FakeChat) -> None:
    """As chat_ready, with the bot token: Slack channels go through the fake Web API."""
    chat_ready(app, fake)
    app.config.update(SLACK_BOT_TOKEN=fake.slack_api.token,
                      SLACK_API_BASE_URL=fake.slack_api.base_url)


def group_with_bot_channel(name: str, *channels: tuple[str, str]) -> StakeholderGroup:
    """A group whose members are Slack channels reached with the bot: (name, channel id)."""
    group = create_group(name, "", None)
    for channel_name, channel_id in channels:
        add_chat_destination(group, ChatInput(channel_name, provider="slack_bot",
                                              channel=channel_id), None)
    return group
