"""Subscribers from Statuspage: confirmed here with Statuspage's consent, and told nothing.

An active Statuspage subscriber becomes a confirmed one (consent source "statuspage", the
time they subscribed there, and the note "Imported from Statuspage page <id> on <date>"),
with their component choices (none: the whole page). Quarantined ones (Statuspage could not
reach them) come in suppressed, unsubscribed ones as unsubscribed, so a later list import
cannot sign them up again. An address already here keeps its own record: it is linked, and
only an unconfirmed sign-up is completed by the Statuspage consent. An import never turns an
opt-out here back on. New rows go in with multi-row INSERTs, a commit per BATCH.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from flask import current_app
from sqlalchemy import insert, or_, select

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.migration import values
from statuspage.migration.components import ComponentMap
from statuspage.migration.links import (
    CREATE,
    UNCHANGED,
    UPDATE,
    Links,
    insert_links,
    insert_rows,
)
from statuspage.migration.progress import Progress
from statuspage.migration.report import Report
from statuspage.migration.source import ACTIVE, QUARANTINED, UNSUBSCRIBED, Snapshot
from statuspage.migration.subscriber_rows import (
    CHANNEL_OF_MODE,
    SubscriberRow,
    mode_of,
    read_row,
    subscriber_fingerprint,
)
from statuspage.models import Component, Subscriber, new_public_id, subscriber_component, utcnow
from statuspage.models.migration import LINK_SUBSCRIBER
from statuspage.page.record import get_page
from statuspage.subscriptions import erasure
from statuspage.subscriptions.consent import mark_confirmed

# consent_source of subscribers imported from Statuspage.
STATUSPAGE = "statuspage"
BATCH = 1000
KIND = "subscribers"
# When one address is on several Statuspage lists, the one that stands.
PRIORITY = {ACTIVE: 0, QUARANTINED: 1, UNSUBSCRIBED: 2}


def consent_note(page_id: str, now: datetime) -> str:
    return f"Imported from Statuspage page {page_id} on {now:%Y-%m-%d}"


def import_subscribers(snapshot: Snapshot, report: Report, components: ComponentMap,
                       progress: Progress, write: bool) -> None:
    """Count (and unless `write` is False, save) the page's subscribers (see the module)."""
    links = Links.load(LINK_SUBSCRIBER, snapshot.page_id, Subscriber.id)
    page = get_page()
    loopback = bool(current_app.config.get("WEBHOOK_ALLOW_LOOPBACK"))
    now = utcnow()
    note = consent_note(snapshot.page_id, now)
    fresh: dict[tuple[str, str], list[SubscriberRow]] = {}
    changed: list[SubscriberRow] = []
    for source in snapshot.subscribers:
        if not source.data.get("id"):
            report.skip(KIND, "no Statuspage id.")
            continue
        if mode_of(source) not in CHANNEL_OF_MODE:
            report.skip(KIND, f"{mode_of(source) or 'unknown'} subscribers have no address "
                              "this page can use.")
            continue
        verdict = links.verdict(str(source.data.get("id")), subscriber_fingerprint(source))
        if verdict == UNCHANGED:
            report.tally(KIND).add(UNCHANGED)
            continue
        try:
            row = read_row(source, page, loopback, components)
        except DomainError as error:
            report.skip(KIND, f"({CHANNEL_OF_MODE[mode_of(source)]}) {error.message}")
            continue
        if verdict == CREATE:
            fresh.setdefault((row.channel, row.address), []).append(row)
        else:
            changed.append(row)
    report.tally(KIND).add(UPDATE, len(changed))
    if write:
        _apply_changes(changed, links)
    progress.begin("Subscribers", len(fresh))
    for chunk in _chunks(list(fresh.items())):
        _add(dict(chunk), links, report, note, write)
        progress.advance(len(chunk))
    progress.end()


def _chunks(items: list[tuple[tuple[str, str], list[SubscriberRow]]]
            ) -> Iterator[list[tuple[tuple[str, str], list[SubscriberRow]]]]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]


def _add(rows: dict[tuple[str, str], list[SubscriberRow]], links: Links, report: Report,
         note: str, write: bool) -> None:
    """One batch of addresses new to the links: matched with a subscriber already here, or
    inserted; every Statuspage subscriber of the address is linked to the row."""
    existing = _existing(list(rows))
    new: list[tuple[SubscriberRow, list[SubscriberRow]]] = []
    pairs: list[tuple[str, int, str]] = []
    for key, group in rows.items():
        group.sort(key=lambda r: PRIORITY.get(r.state, 3))
        first, others = group[0], group[1:]
        for _ in others:
            report.skip(KIND, "the same address as another Statuspage subscriber (kept once).")
        local = existing.get(key)
        if local is None:
            report.tally(KIND).add(CREATE)
            new.append((first, group))
            continue
        report.matched_subscribers += 1
        if local.state == "unconfirmed" and first.state == ACTIVE:
            report.tally(KIND).add(UPDATE)
            if write:
                mark_confirmed(local, STATUSPAGE, note)
        else:
            report.tally(KIND).add(UNCHANGED)
        pairs.extend((row.source_id, local.id, row.fingerprint) for row in group)
    if not write:
        return
    ids = _insert(new, note)
    pairs.extend((row.source_id, local_id, row.fingerprint)
                 for (_, group), local_id in zip(new, ids, strict=True) for row in group)
    insert_links(links.kind, links.page_id, pairs)
    db.session.commit()


def _existing(keys: list[tuple[str, str]]) -> dict[tuple[str, str], Subscriber]:
    """Page-wide subscribers here of these addresses, erased ones too (by their hash)."""
    stands_for: dict[tuple[str, str], tuple[str, str]] = {}
    for channel, address in keys:
        for value in erasure.lookup_addresses(channel, address):
            stands_for[(channel, value)] = (channel, address)
    by_channel: dict[str, list[str]] = {}
    for channel, value in stands_for:
        by_channel.setdefault(channel, []).append(value)
    if not by_channel:
        return {}
    found = db.session.execute(select(Subscriber).where(
        Subscriber.public(), Subscriber.page_wide(),
        or_(*((Subscriber.channel == channel) & Subscriber.address.in_(values_)
              for channel, values_ in by_channel.items())))
        .order_by(erasure.live_first())).scalars()
    existing: dict[tuple[str, str], Subscriber] = {}
    for subscriber in found:
        existing.setdefault(stands_for[(subscriber.channel, subscriber.address)], subscriber)
    return existing


def _insert(new: list[tuple[SubscriberRow, list[SubscriberRow]]], note: str) -> list[int]:
    """The new subscribers in one multi-row INSERT and their components in another."""
    if not new:
        return []
    now = utcnow()
    public = values.public_ids(Subscriber.public_id, [row.source_id for row, _ in new])
    ids = db.session.execute(
        insert(Subscriber).returning(Subscriber.id, sort_by_parameter_order=True),
        [{"public_id": public.get(row.source_id) or new_public_id(), "channel": row.channel,
          "address": row.address, "language": "en", "created_at": now, "confirmed_at": now,
          "consent_source": STATUSPAGE, "consent_at": row.created_at or now,
          "consent_note": note, "code_attempts": 0, "token_version": 1,
          "unsubscribed_at": now if row.state == UNSUBSCRIBED else None,
          "suppressed_at": now if row.state == QUARANTINED else None,
          "suppression_reason": _reason(row.state)} for row, _ in new],
    ).scalars().all()
    chosen = [{"subscriber_id": subscriber_id, "component_id": component_id}
              for subscriber_id, (row, _) in zip(ids, new, strict=True)
              for component_id in row.component_ids]
    insert_rows(insert(subscriber_component), chosen)
    return list(ids)


def _reason(state: str) -> str | None:
    return {UNSUBSCRIBED: "user", QUARANTINED: "provider_error"}.get(state)


def _apply_changes(rows: list[SubscriberRow], links: Links) -> None:
    """Bring linked subscribers up to date: their component choices, and an unsubscribe or
    a quarantine at Statuspage since (an opt-out here is never undone)."""
    now = utcnow()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        local_ids = {row.source_id: links.local(row.source_id) for row in chunk}
        found = {s.id: s for s in db.session.execute(select(Subscriber).where(
            Subscriber.id.in_([i for i in local_ids.values() if i is not None]))).scalars()}
        for row in chunk:
            subscriber = found.get(local_ids[row.source_id] or 0)
            if subscriber is None:
                continue
            subscriber.components = list(db.session.execute(select(Component).where(
                Component.id.in_(row.component_ids))).scalars()) if row.component_ids else []
            if row.state == UNSUBSCRIBED and subscriber.unsubscribed_at is None:
                subscriber.unsubscribed_at = now
                subscriber.suppression_reason = subscriber.suppression_reason or "user"
            elif row.state == QUARANTINED and subscriber.suppressed_at is None:
                subscriber.suppressed_at = now
                subscriber.suppression_reason = "provider_error"
            links.keep(row.source_id, subscriber.id, row.fingerprint)
        db.session.commit()
