"""The task queues take their storage and mode from the app's config, built on first use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import Flask
from huey.storage import MemoryStorage, SqliteStorage

from statuspage.core.config import load_config
from statuspage.tasks.configured_huey import ConfiguredHuey
from statuspage.tasks.queue_faults import FaultAwareRedisStorage


def _config(tmp_path: Path, **env: str) -> dict[str, object]:
    return load_config(env, tmp_path)


def _never() -> None:
    raise AssertionError("the queue asked for an app although it was configured")


def test_sqlite_queue_is_made_in_the_instance_folder_on_first_use(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    queue = ConfiguredHuey("sms", load_app=_never)
    queue.configure(_config(tmp_path, HUEY_NAME="acme"), instance)
    assert not instance.exists()  # configuring touches no disk
    assert isinstance(queue.storage, SqliteStorage)
    assert (instance / "huey-sms.sqlite3").exists()
    assert queue.name == "acme-sms"
    assert not queue.immediate


def test_redis_url_from_the_config_puts_the_queue_on_redis(tmp_path: Path) -> None:
    queue = ConfiguredHuey("", load_app=_never)
    config = _config(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3", HUEY_NAME="acme")
    queue.configure(config, tmp_path / "instance")
    assert isinstance(queue.storage, FaultAwareRedisStorage)
    assert queue.storage.name == "acme"
    assert not (tmp_path / "instance").exists()


def test_immediate_mode_comes_from_the_config_not_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(os.environ, "HUEY_IMMEDIATE", "false")
    queue = ConfiguredHuey("", load_app=_never)
    queue.configure(_config(tmp_path, HUEY_IMMEDIATE="true"), tmp_path)
    assert queue.immediate
    assert isinstance(queue.storage, MemoryStorage)


def test_the_first_config_wins(tmp_path: Path) -> None:
    queue = ConfiguredHuey("", load_app=_never)
    queue.configure(_config(tmp_path, HUEY_NAME="first"), tmp_path)
    queue.configure(_config(tmp_path, HUEY_NAME="second", HUEY_IMMEDIATE="true"), tmp_path)
    assert queue.name == "first"
    assert not queue.immediate


def test_a_queue_used_before_any_app_builds_one_which_configures_it(tmp_path: Path) -> None:
    """The consumer process: importing the queue builds nothing; its first use builds the app,
    whose factory hands the config to the queue."""
    built: list[Flask] = []

    def load_app() -> None:
        app = Flask(__name__, instance_path=str(tmp_path))
        app.config.update(_config(tmp_path, HUEY_NAME="consumer", HUEY_IMMEDIATE="true"))
        queue.configure(app.config, Path(app.instance_path))
        built.append(app)

    queue = ConfiguredHuey("", load_app=load_app)
    assert built == []
    assert queue.immediate
    assert queue.name == "consumer"
    assert len(built) == 1


def test_a_queue_no_app_configures_says_so(tmp_path: Path) -> None:
    queue = ConfiguredHuey("", load_app=lambda: None)
    with pytest.raises(RuntimeError, match="before an app configured it"):
        queue.storage  # noqa: B018


def test_the_queues_are_named_statuspage_unless_huey_name_says_otherwise(tmp_path: Path) -> None:
    queue = ConfiguredHuey("sms", load_app=_never)
    queue.configure(_config(tmp_path), tmp_path)
    assert queue.name == "statuspage-sms"
