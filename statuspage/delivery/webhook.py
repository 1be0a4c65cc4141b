"""Send one webhook delivery: claim it, POST the Statuspage-shaped payload, record the answer.

Webhooks go one task per delivery (delivery.dispatch), so a slow endpoint delays only itself.
A failure is recorded like any other send (delivery.send.record_failure) and the retry is
scheduled through core.jobs at the backoff it returns.
"""

from __future__ import annotations

from statuspage.core import jobs
from statuspage.core.extensions import db
from statuspage.delivery.acceptances import keep_sent
from statuspage.delivery.faults import persist
from statuspage.delivery.send import (
    as_delivery_error,
    claim,
    load_items,
    new_lease,
    reachable,
    record_failure,
)
from statuspage.messages import build as messages
from statuspage.models import FanoutEvent, Subscriber
from statuspage.notify import registry


def send_webhook(delivery_id: int) -> bool:
    """POST one webhook delivery; True when the endpoint accepted it.

    Database steps ride out a lost connection (`persist`); the endpoint's acceptance is kept
    until recorded (`keep_sent`).
    """
    lease = new_lease()
    items = persist(lambda: reachable(load_items(claim([delivery_id], lease=lease))),
                    "claiming a webhook delivery")
    if not items:
        return False
    item = items[0]
    try:
        content = persist(lambda: messages.webhook_payload(
            db.session.get_one(FanoutEvent, item.event_id),
            db.session.get_one(Subscriber, item.subscriber_id)), "rendering a webhook")
        provider_id = registry.webhook_channel().send(content, item.to())
    except Exception as error:  # recorded as a failure, never lost
        delay = record_failure(items, as_delivery_error(error))
        if delay is not None:
            persist(lambda: jobs.enqueue("send_webhook", delivery_id, delay=delay),
                    "scheduling a webhook retry")
        return False
    keep_sent([(delivery_id, provider_id, None)])
    return True
