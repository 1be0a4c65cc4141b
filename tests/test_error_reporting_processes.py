"""The worker process (the Procfile's `worker`, statuspage.tasks.consumer) reports a task that
fails to the local Sentry-compatible receiver, set up by the app factory from SENTRY_DSN."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.delivery_support import add_subscribers
from tests.fakes.sentry import FakeSentry
from tests.worker_support import provider_env, worker_site

pytestmark = pytest.mark.slow

EMAIL = "dora.worker@example.org"
ENQUEUE = """
from statuspage import create_app
from statuspage.core import jobs
with create_app().app_context():
    jobs.enqueue("send_confirmation", {subscriber_id})
"""


def test_a_task_failing_in_the_worker_process_is_reported(
        tmp_path: Path, fake_sentry: FakeSentry) -> None:
    closed = "http://127.0.0.1:9"  # nothing listens: SendGrid's send fails, the task raises
    settings = provider_env(closed, closed, SENTRY_DSN=fake_sentry.dsn,
                            SENTRY_ENVIRONMENT="ci")
    with worker_site(tmp_path, settings) as site:
        with site.app.app_context():
            [subscriber_id] = add_subscribers(1, "email", state="unconfirmed",
                                              address=lambda n: EMAIL)
        site.start_consumer(workers=1)
        site.run(ENQUEUE.format(subscriber_id=subscriber_id))
        deadline = time.monotonic() + 60
        while not any(e.get("logger") == "huey" for e in fake_sentry.events()):
            assert time.monotonic() < deadline, site.log_tail()
            time.sleep(0.1)

    [event] = [e for e in fake_sentry.events() if e.get("logger") == "huey"]
    assert event["environment"] == "ci"
    assert event["exception"]["values"][-1]["type"] == "DeliveryError"
    assert event["logentry"]["message"].startswith("Unhandled exception in task")
    raw = b"".join(envelope.raw for envelope in fake_sentry.envelopes).decode()
    assert EMAIL not in raw and "dora.worker" not in raw


def test_flask_send_test_error_arrives_masked(tmp_path: Path, fake_sentry: FakeSentry) -> None:
    """The README's way to check reporting: `flask send-test-error` against a receiver."""
    env = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    env.update(INSTANCE_PATH=str(tmp_path), DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    command = [str(Path(sys.executable).parent / "flask"), "--app", "statuspage",
               "send-test-error"]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                             check=False)
    assert refused.returncode == 1 and "SENTRY_DSN is not set" in refused.stderr
    sent = subprocess.run(command, env={**env, "SENTRY_DSN": fake_sentry.dsn},
                          capture_output=True, text=True, timeout=60, check=False)
    assert sent.returncode == 0, sent.stderr
    [event] = fake_sentry.wait_for_events(1)
    value = event["exception"]["values"][-1]["value"]
    assert value.startswith("statuspage test error (flask send-test-error) about ")
    assert "test.person@example.com" not in value
    raw = b"".join(envelope.raw for envelope in fake_sentry.envelopes).decode()
    assert "test.person" not in raw
