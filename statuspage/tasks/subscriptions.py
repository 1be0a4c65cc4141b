"""Huey tasks for subscriptions: confirmations leave from the worker, after the sign-up commits."""

from __future__ import annotations

from huey import crontab

from statuspage.core.extensions import db
from statuspage.delivery import confirmations
from statuspage.subscriptions import follows
from statuspage.subscriptions import imports as subscriber_import
from statuspage.tasks.queues import app_context, huey

# Transient provider failures (429, 5xx, timeouts) are retried a few times, a minute apart,
# then given up: the visitor can always ask again from the page.
RETRIES = 3
RETRY_DELAY_SECONDS = 60


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def send_confirmation(subscriber_id: int) -> str | None:
    """Send a subscriber's confirmation: email link, SMS code or webhook test POST."""
    with app_context(subscriber_id=subscriber_id):
        try:
            return confirmations.send_confirmation(subscriber_id)
        except Exception:
            db.session.rollback()
            raise


@huey.task()
def run_subscriber_import(import_id: int) -> bool:
    """Import a stored CSV file of subscribers, batch by batch (subscriptions.imports)."""
    with app_context(import_id=import_id):
        return subscriber_import.run_import(import_id)


@huey.periodic_task(crontab(minute="*"))
def resume_subscriber_imports() -> list[int]:
    """Every minute: enqueue again the imports whose worker died or whose task was lost."""
    with app_context():
        return subscriber_import.resume_stalled()


@huey.periodic_task(crontab(minute="*/10"))
def end_incident_follows() -> int:
    """Every ten minutes: end the follows of incidents that are over (subscriptions.follows)."""
    with app_context():
        return follows.end_finished_follows()
