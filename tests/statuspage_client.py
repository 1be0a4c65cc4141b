"""Running Atlassian's own Statuspage Manage API client (PyPI `atlassian-statuspage`) at us.

The client pins requests 2.29 and urllib3 1.26, so it lives in a virtualenv of its own
(`make install-dev` builds `.venv-statuspage-client` from tests/clients/statuspage-client.lock).
A test serves the app on a loopback port (`serve`) and hands `run_client` a script body: it
runs in that virtualenv with `api` (an `ApiClient` configured for our server and token),
`sp` (the `atlassian_statuspage` module) and `PAGE` (our page id) in scope, and whatever it
assigns to `result` comes back through JSON. A call the client cannot complete raises there,
and the test fails with the client's own traceback.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.serving import make_server

from tests.fakes.server import _QuietHandler

ROOT = Path(__file__).resolve().parent.parent
CLIENT_PYTHON = ROOT / ".venv-statuspage-client" / "bin" / "python"

_PRELUDE = """
import datetime, json, sys
import atlassian_statuspage as sp
config = sp.Configuration()
config.host = sys.argv[1] + "/api/v1"
config.api_key["Authorization"] = sys.argv[2]
config.api_key_prefix["Authorization"] = "OAuth"
PAGE = sys.argv[3]
api = sp.ApiClient(config)
result = None
"""
_EPILOGUE = """
def _plain(value):
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value
print("\\n@@RESULT@@" + json.dumps(_plain(result), default=str))
"""


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app on a loopback port for the length of the block; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def run_client(base_url: str, token: str, page_id: str, script: str) -> Any:
    """Run `script` with the Atlassian client; returns what it assigned to `result`."""
    if not CLIENT_PYTHON.exists():
        raise RuntimeError("the Statuspage client's virtualenv is missing: run `make install-dev`")
    code = _PRELUDE + textwrap.dedent(script) + _EPILOGUE
    done = subprocess.run([str(CLIENT_PYTHON), "-c", code, base_url, token, page_id],
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise AssertionError(f"the Statuspage client failed:\n{done.stderr[-4000:]}")
    _, _, payload = done.stdout.rpartition("@@RESULT@@")
    return json.loads(payload)
