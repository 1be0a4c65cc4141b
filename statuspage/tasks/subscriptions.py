"""Huey tasks for subscriptions: confirmations leave from the worker, after the sign-up commits."""

from __future__ import annotations

from flask import current_app, has_app_context
from flask.ctx import AppContext
from huey import crontab

from statuspage.tasks.queues import _flask_app, huey

# Transient provider failures (429, 5xx, timeouts) are retried a few times, a minute apart,
# then given up: the visitor can always ask again from the page.
RETRIES = 3
RETRY_DELAY_SECONDS = 60


def _app_context() -> AppContext:
    # In immediate mode (tests) the task runs inline in the request that enqueued it: a fresh
    # context of that same app keeps its settings but gives the task a session of its own, as
    # a worker would have. The consumer has no app context and builds the app itself.
    app = current_app._get_current_object() if has_app_context() else _flask_app()  # type: ignore[attr-defined]
    return app.app_context()


@huey.task(retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS)
def send_confirmation(subscriber_id: int) -> str | None:
    """Send a subscriber's confirmation: email link, SMS code or webhook test POST."""
    from statuspage.core.extensions import db
    from statuspage.delivery import confirmations as subscription_confirmations

    with _app_context():
        try:
            return subscription_confirmations.send_confirmation(subscriber_id)
        except Exception:
            db.session.rollback()
            raise


@huey.task()
def run_subscriber_import(import_id: int) -> bool:
    """Import a stored CSV file of subscribers, batch by batch (subscriptions.imports)."""
    from statuspage.subscriptions import imports as subscriber_import

    with _app_context():
        return subscriber_import.run_import(import_id)


@huey.periodic_task(crontab(minute="*"))
def resume_subscriber_imports() -> list[int]:
    """Every minute: enqueue again the imports whose worker died or whose task was lost."""
    from statuspage.subscriptions import imports as subscriber_import

    with _app_context():
        return subscriber_import.resume_stalled()
