"""Recording deliveries as sent, each with its provider's message id, in one transaction.

The one write every acceptance goes through: straight after a send (`acceptances.keep_sent`),
in the SMS saver's batches, and when the journal is replayed. `Sent` is one acceptance as the
senders hand it over and as the journal stores it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, or_, update

from statuspage.core.extensions import db
from statuspage.delivery.id_lists import among
from statuspage.models import Delivery, Subscriber, utcnow
from statuspage.models.deliveries import QUEUED, SENDING, SENT

# (delivery id, provider message id, subscriber whose SMS carried the opt-out notice or None)
Sent = tuple[int, str, int | None]


def mark_sent_rows(sent: Sequence[Sent], at: datetime | None = None) -> None:
    """Save deliveries as sent, each with its provider id, in one transaction.

    Ids sharing a provider id (a SendGrid batch) are one UPDATE … IN; distinct ids (SMS) one
    executemany. A delivery still `queued` (recovery took it back before the journal was
    replayed) is sent all the same: the provider has it. The third value names a subscriber
    whose SMS carried the opt-out wording, noted in the same commit.
    """
    now = at or utcnow()
    by_provider: dict[str, list[int]] = defaultdict(list)
    for delivery_id, provider_id, _ in sent:
        by_provider[provider_id or ""].append(delivery_id)
    table = Delivery.__table__
    singles = [{"delivery_id": ids[0], "provider_id": pid or None}
               for pid, ids in by_provider.items() if len(ids) == 1]
    if singles:
        db.session.execute(
            table.update()
            .where(table.c.id == bindparam("delivery_id"),
                   or_(table.c.state == SENDING, table.c.state == QUEUED))
            .values(state=SENT, provider_message_id=bindparam("provider_id"), sent_at=now,
                    lease_until=None, updated_at=now),
            singles)
    for pid, ids in by_provider.items():
        if len(ids) > 1:
            db.session.execute(
                update(Delivery)
                .where(among(Delivery.id, ids), Delivery.state.in_([SENDING, QUEUED]))
                .values(state=SENT, provider_message_id=pid or None, sent_at=now,
                        lease_until=None, updated_at=now)
                .execution_options(synchronize_session=False))
    noticed = sorted({s for _, _, s in sent if s is not None})
    if noticed:
        db.session.execute(
            update(Subscriber)
            .where(Subscriber.id.in_(noticed), Subscriber.opt_out_notice_at.is_(None))
            .values(opt_out_notice_at=now)
            .execution_options(synchronize_session=False))
    db.session.commit()
