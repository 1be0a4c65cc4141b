"""A task Redis handed out as the connection broke is lost: the storage sweeps after the fault."""

from __future__ import annotations

from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from statuspage.core import jobs
from statuspage.tasks import queue_faults as delivery_queue_faults
from statuspage.tasks.queue_faults import FaultAwareRedisStorage


class FlakyRedis:
    """BRPOP fails `failures` times (a cut connection), then hands out tasks."""

    def __init__(self, failures: int) -> None:
        self.failures = failures

    def brpop(self, key: str, timeout: float) -> tuple[bytes, bytes]:
        if self.failures:
            self.failures -= 1
            raise RedisConnectionError("Connection reset by peer")
        return key.encode(), b"task"


def test_the_first_read_after_a_lost_connection_enqueues_one_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sweeps: list[Any] = []
    monkeypatch.setattr(jobs, "enqueue", lambda name, *args, **kwargs: sweeps.append(name))
    monkeypatch.setattr(delivery_queue_faults, "_state", {"fault": False, "last_sweep": 0.0})
    storage = FaultAwareRedisStorage("test-queue", url="redis://127.0.0.1:1/0")
    storage.conn = FlakyRedis(failures=2)  # type: ignore[assignment]

    for _ in range(2):
        with pytest.raises(RedisConnectionError):
            storage.dequeue()
    assert sweeps == []
    assert storage.dequeue() == b"task"
    assert sweeps == ["sweep_after_queue_fault"]
    assert storage.dequeue() == b"task"
    assert sweeps == ["sweep_after_queue_fault"], "one sweep per fault, not per read"
