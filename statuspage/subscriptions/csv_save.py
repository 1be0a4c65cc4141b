"""CSV import of subscribers, the saving side: a batch of checked rows, each saved whole or not.

Pre-confirmed lists (admins only) are saved one commit per batch, in multi-row INSERTs, and
row by row only when someone subscribed one of the addresses meanwhile; other lists go through
`subscriptions.subscribe`, which sends each new subscriber a confirmation. An address that
unsubscribed or is suppressed is refused: an import never subscribes it again.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import insert, or_, select
from sqlalchemy.exc import IntegrityError

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Component, Subscriber, new_public_id, subscriber_component, utcnow
from statuspage.subscriptions import erasure
from statuspage.subscriptions import subscribe as subscriptions
from statuspage.subscriptions.consent import IMPORT, confirmed_subscriber, mark_confirmed
from statuspage.subscriptions.csv_rows import ImportReport, Row


def _existing(rows: list[Row]) -> dict[tuple[str, str], Subscriber]:
    """The page-wide subscribers of the rows' addresses, erased ones too (found by their
    hash); an import never touches a follow of one incident."""
    by_channel: dict[str, list[str]] = {}
    # (channel, value in the address column) -> (channel, the row's address)
    stands_for: dict[tuple[str, str], tuple[str, str]] = {}
    for row in rows:
        for value in erasure.lookup_addresses(row.channel, row.address):
            by_channel.setdefault(row.channel, []).append(value)
            stands_for[(row.channel, value)] = (row.channel, row.address)
    found = db.session.execute(select(Subscriber).where(Subscriber.public(),
                                                        Subscriber.page_wide(), or_(*(
        (Subscriber.channel == channel) & Subscriber.address.in_(addresses)
        for channel, addresses in by_channel.items()
    ))).order_by(erasure.live_first())).scalars()
    existing: dict[tuple[str, str], Subscriber] = {}
    for subscriber in found:
        existing.setdefault(stands_for[(subscriber.channel, subscriber.address)], subscriber)
    return existing


def _refusal(subscriber: Subscriber) -> str | None:
    if subscriber.state == "unsubscribed":
        return "This address unsubscribed; an import does not subscribe it again."
    if subscriber.state == "suppressed":
        return (f"This address is suppressed ({subscriber.suppression_reason or 'no reason'});"
                " an import does not subscribe it again.")
    return None


def _unique(rows: list[Row], report: ImportReport) -> Iterator[Row]:
    """The rows of a batch, refusing any that repeats an address of an earlier row."""
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        key = (row.channel, row.address)
        if key in seen:
            report.refuse(row.line, f"The same address as line {seen[key]}.")
            continue
        seen[key] = row.line
        yield row


def save_confirmed(rows: list[Row], note: str, report: ImportReport) -> None:
    """Save a batch of pre-confirmed rows in one commit; row by row if that one collides."""
    existing = _existing(rows)
    # Outcomes count only once the batch is committed.
    tally = ImportReport()
    new: list[Row] = []
    for row in _unique(rows, tally):
        subscriber = existing.get((row.channel, row.address))
        if subscriber is not None:
            _confirm_existing(subscriber, row, note, tally)
        else:
            new.append(row)
    try:
        _insert_confirmed(new, note)
        db.session.commit()
    except IntegrityError:
        # Someone subscribed one of these addresses meanwhile: redo the batch row by row.
        db.session.rollback()
        for row in _unique(rows, report):
            _save_one_confirmed(row, note, report)
        return
    tally.imported += len(new)
    report.merge(tally)


def _insert_confirmed(rows: list[Row], note: str) -> None:
    """The batch's new subscribers in one multi-row INSERT, and their components in another.

    The same record as consent.confirmed_subscriber makes, without an ORM object per
    row: a 50,000-row list is imported several times faster this way.
    """
    if not rows:
        return
    now = utcnow()
    ids = db.session.execute(
        insert(Subscriber).returning(Subscriber.id, sort_by_parameter_order=True),
        [{"public_id": new_public_id(), "channel": row.channel, "address": row.address,
          "language": row.language, "created_at": now, "confirmed_at": now,
          "consent_source": IMPORT, "consent_at": now, "consent_note": note,
          "code_attempts": 0, "token_version": 1} for row in rows],
    ).scalars().all()
    chosen = [{"subscriber_id": subscriber_id, "component_id": component_id}
              for subscriber_id, row in zip(ids, rows, strict=True)
              for component_id in row.component_ids]
    if chosen:
        db.session.execute(insert(subscriber_component), chosen)


def _confirm_existing(subscriber: Subscriber, row: Row, note: str,
                      report: ImportReport) -> None:
    refusal = _refusal(subscriber)
    if refusal:
        report.refuse(row.line, refusal)
    elif subscriber.state == "unconfirmed":
        # They had started to subscribe; the consent obtained elsewhere completes it.
        mark_confirmed(subscriber, IMPORT, note)
        report.imported += 1
    else:
        report.already_subscribed += 1


def _save_one_confirmed(row: Row, note: str, report: ImportReport) -> None:
    existing = subscriptions.find_subscriber(row.channel, row.address)
    if existing is not None:
        _confirm_existing(existing, row, note, report)
        db.session.commit()
        return
    components = list(db.session.execute(
        select(Component).where(Component.id.in_(row.component_ids))).scalars())
    db.session.add(confirmed_subscriber(row.channel, row.address, row.language, components,
                                        IMPORT, note))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        report.refuse(row.line, "This address was subscribed by someone else meanwhile.")
        return
    report.imported += 1


def save_with_confirmation(rows: list[Row], note: str, report: ImportReport) -> None:
    """Subscribe each row as the public page would: unconfirmed, confirmation sent."""
    existing = _existing(rows)
    for row in rows:
        subscriber = existing.get((row.channel, row.address))
        if subscriber is not None:
            refusal = _refusal(subscriber)
            if refusal:
                report.refuse(row.line, refusal)
            else:
                report.already_subscribed += 1
            continue
        try:
            subscriber = subscriptions.subscribe(row.channel, row.address, row.component_ids,
                                                 row.language, None, source=IMPORT)
        except DomainError as error:
            report.refuse(row.line, error.message)
            continue
        existing[(row.channel, row.address)] = subscriber
        report.imported += 1
