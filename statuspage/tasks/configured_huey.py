"""The task queues' Huey instances, configured from the app's config on first use.

Huey's task decorators need an instance when a task module is imported, but which storage it
uses (a SQLite file in the instance folder, or Redis when REDIS_URL is set) and whether tasks
run inline (HUEY_IMMEDIATE) are settings, and settings come from `config.load_config` only.
So a `ConfiguredHuey` is created at import without reading the environment or touching the
disk; its storage is built on first use from the config given to `configure` (the app
factory calls it through `tasks.init_app`). A process that uses a queue before any app
configured it (a consumer process, which imports `statuspage.tasks.huey`) builds its app then,
through `tasks.queues.flask_app`, so the environment is read once, through config.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from huey import Huey
from huey.storage import BaseStorage, SqliteStorage

from statuspage.tasks.queue_faults import FaultAwareRedisStorage

REDIS_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class QueueSettings:
    """What a queue needs from the config: its name, its mode and where it keeps tasks."""

    name: str
    immediate: bool
    redis_url: str | None
    instance_path: Path

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: Path,
                    queue: str) -> QueueSettings:
        # The queue's name (the Redis key prefix): installations, or test runs, sharing one
        # Redis keep apart by giving each its own.
        name = config["HUEY_NAME"]
        return cls(name=f"{name}-{queue}" if queue else name,
                   immediate=bool(config["HUEY_IMMEDIATE"]),
                   redis_url=config["REDIS_URL"],
                   instance_path=instance_path)


class ConfiguredHuey(Huey):
    """A Huey whose storage and mode come from the app's config, built when first used.

    `configure` is idempotent: the first config wins, as the queue is shared by everything in
    the process. Until it is called, the first use of the queue (a task enqueued, its storage
    or its mode read) asks `load_app` for the app, whose factory configures it.
    """

    def __init__(self, queue: str, load_app: Callable[[], object]) -> None:
        self._queue = queue
        self._load_app = load_app
        self._settings: QueueSettings | None = None
        self._built: BaseStorage | None = None
        self._building = threading.RLock()
        super().__init__(name=f"statuspage-{queue}" if queue else "statuspage")

    def configure(self, config: Mapping[str, Any], instance_path: Path) -> None:
        """Take the queue's settings from `config`, unless a config was already given."""
        with self._building:
            if self._settings is not None:
                return
            settings = QueueSettings.from_config(config, instance_path, self._queue)
            self.name = settings.name
            self._immediate = settings.immediate
            self._settings = settings

    def _configured(self) -> QueueSettings:
        if self._settings is None:
            self._load_app()  # the factory calls configure()
        if self._settings is None:
            raise RuntimeError("the task queue was used before an app configured it")
        return self._settings

    # Huey assigns `self.storage` in __init__ and when the mode changes: keep it unbuilt until
    # first read, so neither import nor the app factory opens a file or a connection.
    @property
    def storage(self) -> BaseStorage:
        self._configured()  # not under the lock: building the app configures this queue
        with self._building:
            if self._built is None:
                self._built = super().create_storage()
            return self._built

    @storage.setter
    def storage(self, value: BaseStorage | None) -> None:
        self._built = value

    def create_storage(self) -> None:
        return None  # built lazily by the `storage` property

    def get_storage(self, **kwargs: Any) -> BaseStorage:
        settings = self._configured()
        if settings.redis_url:
            # Bounded: a hung Redis fails an enqueue (retried: statuspage.core.enqueue_retry) within
            # seconds instead of holding a web request. Longer than the consumer's 1 s read.
            pool = redis.ConnectionPool.from_url(
                settings.redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
            # The storage notices a lost connection, and sweeps for the tasks it may have
            # swallowed.
            return FaultAwareRedisStorage(self.name, connection_pool=pool)
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        # A file per queue: the pump's heartbeats and the worker's polling never wait on one
        # another's SQLite write lock.
        filename = f"huey-{self._queue}.sqlite3" if self._queue else "huey.sqlite3"
        return SqliteStorage(self.name, filename=str(settings.instance_path / filename))

    @property
    def immediate(self) -> bool:
        self._configured()
        return bool(self._immediate)

    @immediate.setter
    def immediate(self, value: bool) -> None:
        self._configured()
        with self._building:
            if self._immediate != value:
                self._immediate = value
                self._built = None  # the other mode's storage, built on first use

    def enqueue(self, task: Any) -> Any:
        self._configured()  # the mode decides whether the task runs inline
        return super().enqueue(task)
