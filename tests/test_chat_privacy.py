"""A chat destination's data on request: found by its webhook URL (rows hold its fingerprint),
exported with the URL masked, erased with its sealed URL gone and its opt-out kept."""

from __future__ import annotations

import json

from flask import Flask

from statuspage.core.extensions import db
from statuspage.core.sealing import fingerprint
from statuspage.models import StakeholderMember, Subscriber
from statuspage.privacy.erase import erase_person
from statuspage.privacy.export import export_person
from statuspage.privacy.person import held, person
from statuspage.subscriptions import subscribe as subscriptions
from tests.chat_delivery_support import group_with_chats, public_chat
from tests.privacy_support import NOW, delivery, event_at, where_text_is

DISCORD = ("https://discord.com/api/webhooks/123456789012345678/"
           "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdEfGhIjKlMnOp")
SLACK = "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/abcdefghijklmnopqrstuvwx"
TOKEN = DISCORD.rsplit("/", 1)[-1]


def test_a_chat_url_names_its_rows_by_fingerprint(app: Flask) -> None:
    public = public_chat("discord", DISCORD)
    group_with_chats("Engineering", ("#ops", DISCORD))

    who = person(DISCORD.replace("discord.com", "Discord.com"))  # as typed: normalised

    assert (who.channel, who.address) == ("discord", public.address)
    assert who.address == fingerprint(DISCORD) and TOKEN not in who.masked
    found = held(who)
    assert found.subscription is not None and found.subscription.id == public.id
    assert [m.name for m in found.memberships] == ["#ops"]
    assert person(SLACK).channel == "slack"
    assert person("https://example.com/hook").channel == "webhook"


def test_export_shows_the_destination_masked_never_in_full(app: Flask) -> None:
    public = public_chat("discord", DISCORD)
    group_with_chats("Engineering", ("#ops", DISCORD))
    delivery(event_at(NOW), public, "sent", provider_message_id="1234")

    document = export_person(person(DISCORD), None)

    text = json.dumps(document)
    assert TOKEN not in text and public.address not in text
    assert document["about"] == {"channel": "discord",
                                 "address": "Discord: discord.com/api/webhooks/1234…MnOp"}
    assert document["subscription"]["address"] == "discord.com/api/webhooks/1234…MnOp"
    [member] = document["stakeholder_memberships"]
    assert member["chat_provider"] == "discord" and member["group"] == "Engineering"
    assert member["chat_destination"].endswith("…MnOp")
    assert [d["provider_message_id"] for d in document["deliveries"]] == ["1234"]


def test_erasure_drops_the_sealed_url_and_keeps_the_opt_out(app: Flask) -> None:
    public = public_chat("discord", DISCORD)
    group_with_chats("Engineering", ("#ops", DISCORD))
    sealed = public.destination or ""

    result = erase_person(person(DISCORD), None)

    assert result.erased and result.memberships == 1
    db.session.expire_all()
    row = db.session.get(Subscriber, public.id)
    assert row is not None and row.erased_at is not None and row.destination is None
    assert row.address != fingerprint(DISCORD)
    assert db.session.query(StakeholderMember).count() == 0
    assert where_text_is(sealed[:40]) == [] and where_text_is(fingerprint(DISCORD)) == []
    # Looked up by its fingerprint, the erased row still answers (its opt-out holds).
    again = subscriptions.known_subscriber("discord", fingerprint(DISCORD))
    assert again is not None and again.id == public.id
