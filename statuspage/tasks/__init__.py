"""Background work: the only package that imports huey.

queues.py holds the two queues and the app their tasks run in; one module of thin task
wrappers per area (delivery, approvals, cadence, maintenance, subscriptions, uptime,
privacy, alerts) registers its tasks on them; runner.py maps the job names the rest of the code
asks for (core.jobs) to those tasks. The worker and sms processes run
`python -m statuspage.tasks.consumer statuspage.tasks.huey` (and `statuspage.tasks.sms_huey`).
"""

from __future__ import annotations

from flask import Flask

from statuspage.core import jobs
from statuspage.tasks import (
    alerts,
    approvals,
    cadence,
    delivery,
    maintenance,
    privacy,
    subscriptions,
    uptime,
)
from statuspage.tasks.queues import configure, huey, sms_huey
from statuspage.tasks.runner import HueyRunner

__all__ = ["alerts", "approvals", "cadence", "delivery", "huey", "init_app", "maintenance",
           "privacy", "sms_huey", "subscriptions", "uptime"]


def init_app(app: Flask) -> None:
    """Configure the queues from the app's config and install them behind core.jobs."""
    configure(app)
    jobs.install(HueyRunner())
