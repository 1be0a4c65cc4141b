"""A stakeholder group's chat destinations: its Slack, Teams, Discord or Google Chat channels.

A chat destination is a member of the group (models.stakeholders): named after the channel
("#ops-incidents"), with the provider and the channel's incoming-webhook URL and no email or
phone. The URL is checked for its provider (notify.chat.check_chat_url; loopback only with
WEBHOOK_ALLOW_LOOPBACK), stored sealed, and never shown again in full: the console lists the
masked form (`chat_destinations`). Its recipient row follows every change in the same commit
(plan.stakeholder_recipients), so the plan's "chat" routes to the group reach it.

With SLACK_BOT_TOKEN set, a Slack destination may instead be a channel id ("Slack channel
(bot)", plan.stakeholder_chat_bot): one thread per incident, through the Web API.

A destination the provider says is gone (webhook deleted, channel archived, token revoked) is
suppressed by the worker ("destination_gone"); staff give it a new URL here, or the same URL
again once the channel works again, and it is reached again from the next message on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from statuspage import audit
from statuspage.core.errors import DomainError, NotFound
from statuspage.core.extensions import db
from statuspage.core.transaction import use_case
from statuspage.models import StakeholderGroup, StakeholderMember, Subscriber, User
from statuspage.models.subscribers import CHAT_CHANNELS
from statuspage.notify.chat import (
    PROVIDER_NAMES,
    SealedDestination,
    detect_provider,
    seal_destination,
    shown_destination,
)
from statuspage.plan.stakeholder_chat_bot import (
    SLACK_BOT_NAME,
    is_bot_destination,
    sealed_channel,
    token_problem,
    wants_bot,
)
from statuspage.plan.stakeholder_members import get_member, member_language
from statuspage.plan.stakeholder_recipients import delete_deliveries, sync_recipients

MAX_NAME = 200
# The form's field names, so a refusal is shown next to the right input.
NAME, URL, PROVIDER = "name", "url", "provider"


@dataclass(frozen=True)
class ChatInput:
    """What staff type: the channel's name, its webhook URL ("" on an edit: keep it), and
    the provider ("": the one the URL's host belongs to); or, for a Slack channel reached
    with the bot token (provider SLACK_BOT, or "" with no URL), the channel's id."""

    name: str
    url: str = ""
    provider: str = ""
    language: str = ""
    channel: str = ""


@dataclass(frozen=True)
class ChatDestination:
    """One chat destination as the console lists it (never the whole URL)."""

    member_id: str
    name: str
    provider: str
    provider_name: str
    shown_url: str
    language: str
    state: str  # active, suppressed
    reason: str | None  # "destination_gone" …
    suppressed_at: datetime | None
    bot: bool = False  # a Slack channel reached with the bot token
    # A bot destination whose latest message failed for the token ("token_revoked" …, or
    # "no_bot_token"), and when; "" when it did not.
    token_problem: str = ""
    token_problem_at: datetime | None = None

    @property
    def gone(self) -> bool:
        return self.state != "active"


def is_chat(member: StakeholderMember) -> bool:
    return member.chat_destination is not None


def chat_destinations(group: StakeholderGroup) -> list[ChatDestination]:
    """The group's chat destinations by name, with their recipient state."""
    found = []
    for member in group.members:
        if not is_chat(member) or member.chat_provider is None:
            continue
        row = next((r for r in member.recipients if r.channel == member.chat_provider), None)
        bot = is_bot_destination(member)
        problem, problem_at = token_problem(row) if bot else ("", None)
        found.append(ChatDestination(
            member_id=member.public_id, name=member.name, provider=member.chat_provider,
            provider_name=PROVIDER_NAMES.get(member.chat_provider, member.chat_provider),
            shown_url=shown_destination(member.chat_destination), language=member.language,
            state=row.state if row is not None else "missing",
            reason=row.suppression_reason if row is not None else None,
            suppressed_at=row.suppressed_at if row is not None else None,
            bot=bot, token_problem=problem, token_problem_at=problem_at))
    return sorted(found, key=lambda d: (d.name.lower(), d.provider))


def _name(raw: str) -> str:
    name = " ".join((raw or "").split())
    if not name:
        raise DomainError("Name the destination after its channel, such as #ops-incidents.",
                          NAME)
    if len(name) > MAX_NAME:
        raise DomainError(f"Keep the name under {MAX_NAME} characters.", NAME)
    return name


def _provider(data: ChatInput) -> str:
    chosen = (data.provider or "").strip().lower()
    if chosen:
        if chosen not in CHAT_CHANNELS:
            raise DomainError("Choose Slack, Microsoft Teams, Discord or Google Chat.",
                              PROVIDER)
        return chosen
    detected = detect_provider(data.url)
    if detected is None:
        raise DomainError("This is not a Slack, Microsoft Teams, Discord or Google Chat "
                          "incoming webhook URL. Paste the URL the channel's webhook "
                          "settings show.", URL)
    return detected


def _sealed(data: ChatInput) -> SealedDestination:
    if wants_bot(data.provider, data.url, data.channel):
        return sealed_channel(data.url, data.channel)
    if (data.channel or "").strip():
        raise DomainError(f"A channel ID is only for “{SLACK_BOT_NAME}”: choose it as the "
                          "provider, or leave the channel ID empty.", "channel")
    if not (data.url or "").strip():
        raise DomainError("Paste the channel's incoming webhook URL.", URL)
    provider = _provider(data)
    try:
        return seal_destination(provider, data.url, allow_loopback=bool(
            current_app.config.get("WEBHOOK_ALLOW_LOOPBACK")))
    except DomainError as error:
        raise DomainError(error.message, URL) from None


def _row(member: StakeholderMember) -> Subscriber | None:
    return next((r for r in member.recipients if r.channel == member.chat_provider), None)


def _check_unique(group: StakeholderGroup, destination: SealedDestination, data: ChatInput,
                  besides: StakeholderMember | None = None) -> None:
    bot = wants_bot(data.provider, data.url, data.channel)
    for member in group.members:
        if member is besides or not is_chat(member):
            continue
        row = _row(member)
        if row is not None and (row.channel, row.address) == (destination.provider,
                                                              destination.address):
            raise DomainError(f"This {'channel' if bot else 'webhook'} is already in the "
                              f"group, as {member.name}.", "channel" if bot else URL)


@use_case
def add_chat_destination(group: StakeholderGroup, data: ChatInput,
                         actor: User | None) -> StakeholderMember:
    """Add a chat destination to the group (staff add it: no opt-in)."""
    name, language = _name(data.name), member_language(data.language)
    destination = _sealed(data)
    _check_unique(group, destination, data)
    member = StakeholderMember(name=name, language=language,
                               chat_provider=destination.provider,
                               chat_destination=destination.sealed)
    group.members.append(member)
    sync_recipients(member)
    db.session.flush()
    audit.record(actor, "stakeholder_chat.create", "stakeholder_group", group.public_id,
                 member=member.public_id, provider=destination.provider,
                 destination=shown_destination(destination.sealed))
    db.session.commit()
    return member


def get_chat_destination(group: StakeholderGroup, member_id: str) -> StakeholderMember:
    """The group's chat destination with this public id, or NotFound."""
    member = get_member(group, member_id)
    if not is_chat(member):
        raise NotFound("No such chat destination.")
    return member


@use_case
def update_chat_destination(group: StakeholderGroup, member_id: str, data: ChatInput,
                            actor: User | None) -> StakeholderMember:
    """Rename a chat destination, change its language, or give it a URL (a new webhook
    replaces the old one with its delivery records; the same one again, after the channel
    was fixed, lifts a "destination gone" suppression)."""
    member = get_chat_destination(group, member_id)
    member.name, member.language = _name(data.name), member_language(data.language)
    changed = ""
    if (data.url or "").strip() or (data.channel or "").strip():
        destination = _sealed(data)
        _check_unique(group, destination, data, besides=member)
        row = _row(member)
        same = row is not None and (row.channel, row.address) == (destination.provider,
                                                                  destination.address)
        member.chat_provider, member.chat_destination = (destination.provider,
                                                         destination.sealed)
        if same and row is not None and row.suppressed_at is not None:
            row.suppressed_at, row.suppression_reason = None, None
            changed = "reactivated"
        else:
            changed = "same" if same else "replaced"
    sync_recipients(member)
    audit.record(actor, "stakeholder_chat.update", "stakeholder_group", group.public_id,
                 member=member.public_id, url=changed or "kept",
                 destination=shown_destination(member.chat_destination))
    db.session.commit()
    return member


@use_case
def remove_chat_destination(group: StakeholderGroup, member_id: str,
                            actor: User | None) -> None:
    """Remove a chat destination, with its recipient row and delivery records."""
    member = get_chat_destination(group, member_id)
    delete_deliveries([row.id for row in member.recipients])
    group.members.remove(member)
    audit.record(actor, "stakeholder_chat.delete", "stakeholder_group", group.public_id,
                 member=member.public_id)
    db.session.commit()
