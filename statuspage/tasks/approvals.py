"""Huey tasks for approval notices: thin wrappers over statuspage.incidents.approval_notices.

Enqueued after the commit that created a draft (or rejected one); the sweep runs every minute
on every worker and tells the approvers of any draft not told yet (a lost enqueue). Each notice
is claimed with a conditional UPDATE, so concurrent runs send it once.
"""

from __future__ import annotations

from huey import crontab

from statuspage.incidents import approval_notices
from statuspage.models import utcnow
from statuspage.tasks.queues import app_context, huey


@huey.task()
def notify_approvers(kind: str, item_id: int) -> int:
    """Tell the users allowed to approve one draft that it waits."""
    with app_context():
        return approval_notices.notify_approvers(kind, item_id, utcnow())


@huey.task()
def tell_author(kind: str, item_id: int) -> bool:
    """Tell the author of a rejected draft why, and where the text is."""
    with app_context():
        return approval_notices.tell_author(kind, item_id)


@huey.periodic_task(crontab(minute="*"))
def notify_waiting_approvals() -> list[str]:
    """Tell the approvers of every draft whose notice was lost; returns the public ids."""
    with app_context():
        return approval_notices.notify_waiting(utcnow())
