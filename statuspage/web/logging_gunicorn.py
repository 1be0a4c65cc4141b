"""gunicorn's own lines (its error log and the access log) in the service's logging format.

Named by the Procfile's `--logger-class`. gunicorn builds it in its master process, before any
app: it configures logging from the environment (LOG_LEVEL, LOG_FORMAT), and the workers it
forks inherit that (the app factory sees it configured and leaves it). The access line carries
the request id (statuspage.web.request_ids) and leaves out the query string and the referrer, and
secret URL parts are redacted, so it holds no link's secret.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from gunicorn import glogging

from statuspage.core import logging_setup
from statuspage.core.config import log_settings
from statuspage.web.request_ids import ENVIRON_KEY, ENVIRON_PATH_KEY


class GunicornLogger(glogging.Logger):
    """gunicorn's logger writing through statuspage.core.logging_setup's one handler."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)  # gunicorn's own set-up (access log switch, levels, handlers) ...
        # ... whose handlers core.logging_setup then takes over, so every line has one format.
        settings = log_settings(os.environ)
        logging_setup.configure(settings["LOG_LEVEL"], settings["LOG_FORMAT"])

    def access(self, resp: Any, req: Any, environ: dict[str, Any],
               request_time: timedelta) -> None:
        if not self.access_log_enabled:
            return
        status = str(resp.status).split(None, 1)[0]
        path = environ.get(ENVIRON_PATH_KEY) or environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "-")
        self.access_log.info("%s %s %s", method, path, status, extra={
            "request_id": environ.get(ENVIRON_KEY),
            "status": int(status) if status.isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "remote_addr": environ.get("REMOTE_ADDR"),
        })
