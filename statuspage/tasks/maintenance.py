"""Huey task for maintenance automation: a thin wrapper over incidents.maintenance_automation.

Runs every minute on every worker; each step claims its maintenance with a conditional UPDATE,
so concurrent runs start, complete and remind each maintenance once.
"""

from __future__ import annotations

from huey import crontab

from statuspage.incidents import maintenance_automation
from statuspage.tasks.queues import app_context, huey


@huey.periodic_task(crontab(minute="*"))
def automate_maintenance() -> dict[str, list[str]]:
    """Send due reminders, start and complete due windows; returns the public ids acted on."""
    with app_context():
        result = maintenance_automation.run_due()
        return {"reminded": result.reminded, "started": result.started,
                "completed": result.completed}
