"""statuspage.core.logging_setup: the formatters, the context fields, redaction, the settings, and
that configuring takes over the handlers libraries install (one line per record, one format)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from statuspage.core import logging_setup
from statuspage.core.config import ConfigError, load_config, log_settings
from statuspage.core.logging_setup import (
    ContextFilter,
    JsonFormatter,
    PlainFormatter,
    configure,
    log_context,
    redact,
)

_LOGGERS = ("", "huey", "gunicorn.error", "gunicorn.access", "flask-limiter",
            "alembic.runtime.plugins")


@pytest.fixture
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """configure() changes the process's logging: give pytest's back afterwards."""
    saved = {name: (list(lg.handlers), lg.level, lg.propagate, lg.filters[:])
             for name in _LOGGERS for lg in [logging.getLogger(name)]}
    monkeypatch.setattr(logging_setup, "_configured", False)
    yield
    for name, (handlers, level, propagate, filters) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.filters[:] = filters


def _record(message: str = "sent %d", *args: object, exc: BaseException | None = None,
            **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "statuspage.delivery.send", "levelno": logging.INFO,
                                    "levelname": "INFO", "msg": message, "args": args or (3,),
                                    **extra})
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    ContextFilter().filter(record)
    return record


def test_a_json_line_has_time_level_logger_message_and_the_context_fields() -> None:
    with log_context(event_id=7), log_context(delivery_id=42):
        line = JsonFormatter().format(_record())
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "INFO" and entry["logger"] == "statuspage.delivery.send"
    assert entry["message"] == "sent 3"
    assert entry["event_id"] == 7 and entry["delivery_id"] == 42
    assert entry["time"].endswith("Z") and entry["time"][:4].isdigit()


def test_a_json_line_holds_a_traceback_on_its_one_line() -> None:
    try:
        raise ValueError("bad\nvalue")
    except ValueError as error:
        line = JsonFormatter().format(_record("failed %d", exc=error))
    assert "\n" not in line
    assert "ValueError: bad" in json.loads(line)["exc_info"]


def test_a_plain_line_names_level_logger_and_context_fields() -> None:
    with log_context(request_id="abc-123"):
        line = PlainFormatter().format(_record())
    assert " INFO statuspage.delivery.send: sent 3 request_id=abc-123" in line


def test_context_fields_end_with_their_block_and_stay_in_their_thread() -> None:
    seen: list[dict[str, object]] = []

    def other_thread() -> None:
        seen.append(_record().__dict__)

    with log_context(delivery_id=1):
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        inside = _record()
    assert inside.delivery_id == 1  # type: ignore[attr-defined]
    assert "delivery_id" not in seen[0]
    assert not hasattr(_record(), "delivery_id")


def test_secrets_in_messages_are_masked() -> None:
    hook = "https://hooks.example.com/services/T0/B0/s3cretpath?sig=abc"
    text = (f"Webhook timed out: {hook}; HTTPSConnectionPool(host='h', port=443): Max retries "
            "exceeded with url: /services/s3cretpath (Caused by x) Authorization: Bearer "
            "sk_s3cret token=s3cret&page=2 password=s3cret; https://hooks.example.com:443 "
            '"POST /services/T0/B0/s3cretpath HTTP/1.1" 200 2')
    masked = redact(text)
    assert "s3cret" not in masked
    assert "https://hooks.example.com/[redacted]" in masked and "page=2" in masked
    assert '"POST /[redacted] HTTP/1.1" 200' in masked
    line = JsonFormatter().format(_record("%s", text))
    assert "s3cret" not in line


def test_log_settings_default_to_plain_lines_at_info(tmp_path: Path) -> None:
    config = load_config({}, tmp_path)
    assert (config["LOG_LEVEL"], config["LOG_FORMAT"]) == ("INFO", "plain")
    assert log_settings({"LOG_LEVEL": "debug", "LOG_FORMAT": "JSON"}) == {
        "LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"}


@pytest.mark.parametrize(("name", "value"), [("LOG_LEVEL", "verbose"), ("LOG_LEVEL", "10"),
                                             ("LOG_FORMAT", "xml")])
def test_a_bad_log_setting_stops_the_start(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_config({name: value}, tmp_path)


def test_configure_writes_every_logger_once_through_one_handler(
    restore_logging: None, capsys: pytest.CaptureFixture[str],
) -> None:
    huey = logging.getLogger("huey")
    huey.addHandler(logging.StreamHandler())  # what huey_consumer would install
    configure("INFO", "json")
    with log_context(delivery_id=5):
        huey.info("Executing a task")
        logging.getLogger("statuspage.delivery.send").info("1 deliveries will be retried")
        logging.getLogger("statuspage.x").debug("not at INFO")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(e["logger"], e["message"], e["delivery_id"]) for e in lines] == [
        ("huey", "Executing a task", 5),
        ("statuspage.delivery.send", "1 deliveries will be retried", 5)]
    assert logging_setup.configured()


def test_the_app_factory_configures_logging_once_and_test_apps_never(
    restore_logging: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    from statuspage import create_app
    from statuspage.tasks import queues as tasks

    monkeypatch.setattr(tasks, "_app", tasks._app)  # the apps built here stay out of tasks
    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(logging_setup, "configure",
                        lambda level, fmt: (calls.append((level, fmt)),
                                            monkeypatch.setattr(logging_setup, "_configured",
                                                                True)))
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("LOG_LEVEL", "warning")
    monkeypatch.setenv("LOG_FORMAT", "json")
    create_app({"TESTING": True})
    assert calls == []
    create_app()
    create_app()
    assert calls == [("WARNING", "json")]
