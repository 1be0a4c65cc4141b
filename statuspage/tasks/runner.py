"""The task queue behind core.jobs: the name of every job the code asks for, and its task.

Domain and worker code say `jobs.enqueue("send_webhook", delivery_id)`; this is the only
place that turns the name into a Huey task (and a queue's store into Huey's key-value store
and locks), so nothing below `tasks/` imports huey.
"""

from __future__ import annotations

from typing import Any

from huey import Huey
from huey.api import TaskLock, TaskWrapper
from huey.exceptions import TaskLockedException

from statuspage.core import jobs
from statuspage.tasks import alerts, approvals, delivery, subscriptions
from statuspage.tasks.queues import huey, sms_huey

JOBS: dict[str, TaskWrapper] = {
    "expand_event": delivery.expand_event,
    "send_email_chunk": delivery.send_email_chunk,
    "send_webhook": delivery.send_webhook,
    "send_chat": delivery.send_chat,
    "sms_pump": delivery.sms_pump,
    "sweep_after_queue_fault": delivery.sweep_after_queue_fault,
    "notify_approvers": approvals.notify_approvers,
    "tell_author": approvals.tell_author,
    "notify_alert_proposal": alerts.notify_alert_proposal,
    "send_confirmation": subscriptions.send_confirmation,
    "run_subscriber_import": subscriptions.run_subscriber_import,
}

QUEUES: dict[str, Huey] = {"": huey, "sms": sms_huey}


class HueyLock:
    """A Huey task lock, as core.jobs.Lock."""

    def __init__(self, lock: TaskLock) -> None:
        self._lock = lock

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except TaskLockedException as error:
            raise jobs.Locked(str(error)) from None

    def release(self) -> None:
        self._lock.release()

    def is_locked(self) -> bool:
        return bool(self._lock.is_locked())

    def clear(self) -> bool:
        return bool(self._lock.clear())


class HueyStore:
    """A queue's key-value store, as core.jobs.Store."""

    def __init__(self, queue: Huey) -> None:
        self._queue = queue

    def get(self, key: str) -> Any | None:
        return self._queue.get(key, peek=True)

    def put(self, key: str, value: Any) -> None:
        self._queue.put(key, value)

    def delete(self, key: str) -> None:
        self._queue.delete(key)

    def lock(self, name: str) -> HueyLock:
        return HueyLock(self._queue.lock_task(name))


class HueyRunner:
    """core.jobs.Runner over the two Huey queues."""

    def enqueue(self, name: str, args: tuple[Any, ...], delay: float | None) -> None:
        task = JOBS.get(name)
        if task is None:
            raise LookupError(f"no job is called {name!r} (statuspage.tasks.runner.JOBS)")
        if delay is None:
            task(*args)
        else:
            task.schedule(args=args, delay=delay)

    def runs_inline(self) -> bool:
        return bool(huey.immediate)

    def store(self, queue: str) -> HueyStore:
        return HueyStore(QUEUES[queue])
