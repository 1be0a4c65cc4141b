"""Huey tasks for delivery: thin wrappers that run the delivery package inside an app context.

Every task is safe to run twice or concurrently: the work it does is claimed in the database
first (event lease, delivery claim, the SMS pump's lock), so the queue only has to deliver
each task at least once.
"""

from __future__ import annotations

import gc

from huey import crontab

from statuspage.delivery import chat as delivery_chat
from statuspage.delivery import email as delivery_email
from statuspage.delivery import expand as delivery_expand
from statuspage.delivery import journal as delivery_journal
from statuspage.delivery import recover as delivery_recover
from statuspage.delivery import webhook
from statuspage.delivery.faults import TASK_RETRIES, TASK_RETRY_DELAY_SECONDS
from statuspage.delivery.sms import pump as delivery_sms
from statuspage.tasks.queues import app_context, flask_app, huey, sms_huey


@sms_huey.on_startup("freeze_the_app")
@huey.on_startup()
def _freeze_the_app() -> None:
    """In the consumers only (not in web processes): no long collector pauses.

    Full garbage collections walking the ~150,000 objects the app is made of took ~90 ms
    each: in the SMS consumer that made paced sends that late, then go out together; in the
    worker it stalls every thread. Those objects live as long as the process: freeze them out
    of the collector once the app is built.
    """
    flask_app()
    gc.freeze()


@sms_huey.on_startup("replay_the_delivery_journal")
@huey.on_startup("replay_the_delivery_journal")
def _replay_the_delivery_journal() -> None:
    """Acceptances journaled while the database was down (delivery_journal), saved now."""
    with app_context():
        delivery_journal.replay_quietly()


# A fault that outlasted the task's own retries (delivery.faults.persist): the queue runs the
# task again, 5 s later, then 10, 20, … (every step of it is safe to repeat).
RETRY = {"retries": TASK_RETRIES, "retry_delay": TASK_RETRY_DELAY_SECONDS, "retry_backoff": 2}


@huey.task(**RETRY)
def expand_event(event_id: int) -> int:
    """Expand a fan-out event into deliveries and enqueue their sending."""
    with app_context(event_id=event_id):
        return delivery_expand.expand_event(event_id)


@huey.task(**RETRY)
def send_email_chunk(delivery_ids: list[int]) -> int:
    """Send up to 1,000 email deliveries in one SendGrid call per event and language."""
    # The first ids only: a chunk holds up to 1,000.
    with app_context(delivery_ids=delivery_ids[:10], deliveries=len(delivery_ids)):
        return delivery_email.send_email_chunk(delivery_ids)


@huey.task(**RETRY)
def send_webhook(delivery_id: int) -> bool:
    """POST one webhook delivery."""
    with app_context(delivery_id=delivery_id):
        return webhook.send_webhook(delivery_id)


@huey.task(**RETRY)
def send_chat(delivery_id: int) -> bool:
    """Post one chat delivery (Slack, Teams, Discord, Google Chat) at its destination's pace."""
    with app_context(delivery_id=delivery_id):
        return delivery_chat.send_chat(delivery_id)


@sms_huey.task(**RETRY)
def sms_pump() -> int:
    """Send due SMS at the configured rate; returns at once if another pump is running.

    On the SMS queue, run by the `sms` process (see statuspage.tasks.queues): anyone may enqueue it.
    """
    with app_context():
        try:
            return delivery_sms.run_sms_pump()
        except delivery_sms.PumpBusy:
            return 0


@huey.task()
def sweep_after_queue_fault() -> int:
    """Enqueue every due delivery again after a lost queue connection (see
    tasks.queue_faults); returns tasks enqueued."""
    with app_context():
        return delivery_recover.sweep_after_queue_fault()


@huey.periodic_task(crontab(minute="*"))
def recover_deliveries() -> dict[str, int]:
    """Every minute: take back dead workers' leases, resume expansions, send due retries."""
    with app_context():
        return delivery_recover.recover_expired_leases()
