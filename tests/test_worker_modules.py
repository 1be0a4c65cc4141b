"""The worker and sms processes load what tasks need, not what only the web or a sender needs.

Their resident size is what one more consumer costs (README "Several machines"); bench/fanout.py
prints it. Measured in bytes it depends on the machine, so this checks the cause instead: which
modules a fresh consumer has imported, as `python -m statuspage.tasks.consumer` builds it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from statuspage import ROOT

# What statuspage.tasks.consumer.main does before it runs the consumer, then the modules
# loaded; with an SMS handed to the configured channel, the modules loaded after it too.
PROBE = r"""
import json, sys
from huey.utils import load_class
from statuspage import create_worker_app
load_class(sys.argv[1])
app = create_worker_app()
before = sorted(sys.modules)
after = before
if sys.argv[2] == "sms":
    from statuspage.notify import registry
    with app.app_context():
        channel = registry.sms_channel()
    after = sorted(sys.modules)
print(json.dumps({"before": before, "after": after, "channel": type(channel).__name__
                  if sys.argv[2] == "sms" else ""}))
"""

# Only the web uses these: its blueprints, request hooks, CLI and what only they import.
WEB_ONLY = ("statuspage.console", "statuspage.public", "statuspage.api", "statuspage.web",
            "statuspage.cli", "zxcvbn", "argon2", "icalendar", "feedgen")
# Loaded on first use only (notify.registry), or never by a consumer: phonenumbers' geocoder
# holds ~100 MB of place names.
SENDERS = ("twilio",)
NEVER = ("phonenumbers.geocoder", "phonenumbers.geodata")


def _modules(tmp_path: Path, queue: str, then: str = "") -> dict[str, list[str]]:
    env = {"PATH": "/usr/bin:/bin", "INSTANCE_PATH": str(tmp_path),
           "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "token",
           "TWILIO_FROM": "+14155550100", "SENDGRID_API_KEY": "SG.test"}
    done = subprocess.run([sys.executable, "-c", PROBE, queue, then], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def _loaded(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes)]


def test_the_worker_loads_no_web_module_and_no_sms_sdk(tmp_path: Path) -> None:
    modules = _modules(tmp_path, "statuspage.tasks.huey")["before"]
    assert "statuspage.tasks.delivery" in modules  # the probe did load the tasks
    assert _loaded(modules, WEB_ONLY) == []
    assert _loaded(modules, SENDERS) == []
    assert _loaded(modules, NEVER) == []


def test_the_sms_process_loads_twilio_only_when_it_first_sends(tmp_path: Path) -> None:
    found = _modules(tmp_path, "statuspage.tasks.sms_huey", "sms")
    assert _loaded(found["before"], WEB_ONLY + SENDERS + NEVER) == []
    assert found["channel"] == "TwilioChannel"
    assert "twilio.rest" in found["after"]
