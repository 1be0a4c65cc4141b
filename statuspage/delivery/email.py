"""Send a chunk of email deliveries: one SendGrid call per event, language and footer.

The chunk is claimed under a lease of its own (delivery.send.claim); database steps ride out a
lost connection (`persist`) and, when that held the worker up, the claim is renewed before the
provider is called, so nothing recovery took back in the meantime is sent by two workers. What
SendGrid accepted is kept until recorded (acceptances.keep_sent). A process asked to stop
(core.shutdown) makes no further call: the call in flight is answered and recorded, the rest
of the chunk is given back and enqueued again.

SendGrid refuses a whole call for one invalid recipient (a 400 naming
`personalizations.N.to.M.email`), having sent nothing: those recipients are recorded as failed
with SendGrid's reason, their subscribers suppressed, and the call made again without them,
so an address nobody can send to never holds back the others.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from functools import partial

from sqlalchemy import update

from statuspage.core import jobs, shutdown
from statuspage.core.extensions import db
from statuspage.delivery.acceptances import keep_sent
from statuspage.delivery.faults import default_deadline, is_transient, persist, rollback
from statuspage.delivery.id_lists import among
from statuspage.delivery.render_cache import rendered
from statuspage.delivery.send import (
    Item,
    as_delivery_error,
    claim,
    load_items,
    new_lease,
    reachable,
    record_failure,
    renew,
    set_state,
)
from statuspage.messages import build as messages
from statuspage.models import Delivery, FanoutEvent, Subscriber, utcnow
from statuspage.models.deliveries import FAILED, QUEUED, SENDING
from statuspage.notify import registry
from statuspage.notify.base import EmailContent, RecipientsRefused
from statuspage.subscriptions import leaving

log = logging.getLogger(__name__)

# Calls per group when SendGrid keeps naming new bad recipients (it names all of them at once).
MAX_REFUSAL_ROUNDS = 5


def send_email_chunk(delivery_ids: Sequence[int]) -> int:
    """Send up to 1,000 email deliveries, one SendGrid call per event and language.

    Returns how many the provider accepted.
    """
    lease = new_lease()
    claimed_at = time.monotonic()
    accepted: set[int] = set()
    try:
        items = persist(lambda: reachable(load_items(claim(delivery_ids, lease=lease))),
                        "claiming an email chunk")
        # Stakeholder members get their own rendering (no subscription links in the footer).
        groups: dict[tuple[int, str, bool], list[Item]] = defaultdict(list)
        for item in items:
            stakeholder = item.recipient is not None and item.recipient.stakeholder
            groups[(item.event_id, item.language, stakeholder)].append(item)
        for (event_id, language, stakeholder), group in groups.items():
            if shutdown.requested():
                break
            try:
                content = persist(partial(_render, event_id, language, stakeholder),
                                  "rendering an email")
            except Exception as error:  # every failure is recorded on the deliveries
                _failed(group, error)
                continue
            if time.monotonic() - claimed_at > default_deadline() / 2:
                # Held up (a fault, a slow render): only what is still ours may go out.
                held, lease = persist(partial(renew, [i.delivery_id for i in items], lease),
                                      "renewing an email chunk's claim")
                group = [i for i in group if i.delivery_id in set(held)]
                claimed_at = time.monotonic()
            accepted |= _send_group(content, group)
    except Exception as error:
        if is_transient(error):  # the queue retries the task: let it claim them again
            _give_back([i for i in delivery_ids if i not in accepted], lease)
        raise
    if shutdown.requested():
        _put_back([i for i in delivery_ids if i not in accepted], lease)
    return len(accepted)


def _put_back(ids: list[int], lease: datetime) -> None:
    """The process is stopping: give back what this chunk claimed and did not send, and
    enqueue it again, for the next process (or another worker) to send at once."""
    returned = _give_back(ids, lease)
    if returned:
        persist(partial(jobs.enqueue, "send_email_chunk", returned),
                "enqueuing the rest of an email chunk")
        log.info("gave back %d email deliveries: the process is stopping", len(returned))


def _give_back(ids: list[int], lease: datetime) -> list[int]:
    """Best effort, after a fault that outlasted the retries or when the process stops: end
    this claim now rather than at the lease's end (never what the provider accepted: that is
    kept, see keep_sent). The ids given back."""
    rollback()
    try:
        returned = list(db.session.execute(
            update(Delivery)
            .where(among(Delivery.id, ids), Delivery.state == SENDING,
                   Delivery.lease_until == lease)
            .values(state=QUEUED, lease_until=None, attempts=Delivery.attempts - 1)
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)).scalars())
        db.session.commit()
    except Exception:
        rollback()
        log.warning("could not give back %d claimed email deliveries", len(ids))
        return []
    return sorted(returned)


def _render(event_id: int, language: str, stakeholder: bool) -> EmailContent:
    """The event's email in this language and footer, rendered once for the chunks of the
    next seconds (delivery.render_cache)."""
    return rendered(("email", event_id, language, stakeholder),
                    lambda: messages.render_email(db.session.get_one(FanoutEvent, event_id),
                                                  language, stakeholder=stakeholder))


def _send_group(content: EmailContent, group: list[Item]) -> set[int]:
    """One SendGrid call for the group, again without any recipient it refuses; the ids
    SendGrid accepted."""
    channel = registry.email_channel()
    for round_ in range(MAX_REFUSAL_ROUNDS):
        if not group or (round_ and shutdown.requested()):
            return set()  # stopping: what is left is given back (send_email_chunk)
        try:
            provider_id = channel.send_batch(content, [i.to() for i in group])
        except RecipientsRefused as refused:
            bad = {group[n].delivery_id for n in refused.refused if n < len(group)}
            if not bad:  # names no one we sent: about the request after all
                _failed(group, refused)
                return set()
            persist(partial(_refuse, group, refused), "recording refused recipients")
            group = [i for i in group if i.delivery_id not in bad]
            continue
        except Exception as error:  # every failure is recorded on the deliveries
            _failed(group, error)
            return set()
        keep_sent([(i.delivery_id, provider_id, None) for i in group])
        return {i.delivery_id for i in group}
    _failed(group, RuntimeError("SendGrid kept refusing recipients"))
    return set()


def _refuse(group: list[Item], refused: RecipientsRefused) -> None:
    """Fail and suppress the recipients SendGrid named, each with its own reason."""
    now = utcnow()
    for n, reason in sorted(refused.refused.items()):
        if n >= len(group):
            continue
        item = group[n]
        set_state([item.delivery_id], now, state=FAILED, error_code=refused.code,
             last_error=f"SendGrid refused the address: {reason}"[:2000])
        subscriber = db.session.get(Subscriber, item.subscriber_id)
        if subscriber is not None:
            leaving.suppress(subscriber, refused.suppress or "provider_error")
        log.warning("SendGrid refused the address of subscriber %s: %s",
                    item.subscriber_id, reason)


def _failed(group: list[Item], error: Exception) -> None:
    delay = record_failure(group, as_delivery_error(error))
    if delay is not None:
        ids = [i.delivery_id for i in group]
        # The queue may be down too (a Redis fault): the retry is enqueued when it is back.
        persist(lambda: jobs.enqueue("send_email_chunk", ids, delay=delay),
                "scheduling an email retry")
