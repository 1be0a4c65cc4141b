"""Optional error reporting to Sentry (or a Sentry-compatible server: self-hosted, GlitchTip).

Guarantees:
- Off unless SENTRY_DSN is set: then nothing is initialised and nothing leaves the process.
- Initialised once per process, by the app factory (`init_app`), which every process type
  goes through: gunicorn's workers, the worker and sms consumers (statuspage.tasks.consumer)
  and the `flask` commands.
- Reported: an unhandled exception in a request (the Flask integration), and every line
  logged at ERROR or above with its traceback (the logging integration). Huey logs each
  task that raises ("Unhandled exception in task ...", with the traceback), so task failures
  in the worker and sms processes, and in tasks run inline, are reported through it; so are
  the failures the code catches and logs (a send that failed unexpectedly, the SMS pump's).
- Only error events are sent: no tracing, sessions, client reports or Sentry logs.
- Personal data and secrets are taken out before an event is sent (`error_events.scrub_event`
  as `before_send`; an event the scrubber fails on is dropped, never sent raw), and the SDK is
  told not to collect them in the first place: no user, cookies, request bodies, query
  strings or stack-frame local variables. Locals are off rather than scrubbed because they
  hold subscriber rows, provider payloads and keys under any name, which no pattern can be
  trusted to find; the traceback and its source lines say where it failed.

Huey's own Sentry integration is not used: it adds a `sentry_headers` argument to every task
it enqueues, which a consumer running without Sentry (a DSN set on the web processes only)
would pass to a task that takes no such argument, failing every task. It is left off with
the other integrations the SDK would enable by finding their package installed (SQLAlchemy,
Redis: breadcrumbs with queries and keys).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

import sentry_sdk
from flask import Flask
from sentry_sdk.integrations.flask import FlaskIntegration
from sentry_sdk.integrations.logging import LoggingIntegration

from statuspage.core.error_events import scrub_event
from statuspage.core.logging_setup import current_context

if TYPE_CHECKING:
    from sentry_sdk.types import DataCollectionUserOptions, Event

# What the SDK collects on its own (sentry-sdk 3's `data_collection`): as little as it allows.
DATA_COLLECTION: DataCollectionUserOptions = {
    "user_info": False,
    "cookies": {"mode": "off"},
    "http_headers": {"request": {"mode": "allowlist",
                                 "terms": ["accept", "content-type", "content-length",
                                           "host", "user-agent", "x-request-id"]}},
    "http_bodies": [],
    "url_query_params": {"mode": "off"},
    "database_query_data": False,
    "queues": False,
    "stack_frame_variables": False,
}

# Log context fields (statuspage.core.logging_setup) that tag an event, so the log lines of
# the same request or delivery are found from it; "event_id" is renamed, Sentry has its own.
TAGS = {"request_id": "request_id", "event_id": "outbox_event_id", "delivery_id": "delivery_id"}

_initialised = False


def before_send(event: Event, hint: dict[str, Any]) -> Event:
    """Tag the event with the request or delivery it came from, then scrub it."""
    plain = cast(dict[str, Any], event)
    context = {TAGS[key]: str(value) for key, value in current_context().items()
               if key in TAGS}
    if context:
        plain.setdefault("tags", {}).update(context)
    return cast("Event", scrub_event(plain, hint))


def init_app(app: Flask) -> None:
    """Start reporting to SENTRY_DSN, once per process; without a DSN, do nothing."""
    global _initialised
    dsn = app.config.get("SENTRY_DSN")
    if not dsn or _initialised:
        return
    sentry_sdk.init(
        dsn=dsn,
        environment=app.config.get("SENTRY_ENVIRONMENT") or "production",
        auto_enabling_integrations=False,
        integrations=[FlaskIntegration(),
                      LoggingIntegration(level=None, event_level=logging.ERROR,
                                         breadcrumb_level=logging.INFO)],
        data_collection=DATA_COLLECTION,
        max_request_body_size="never",
        before_send=before_send,
        traces_sample_rate=None,
        auto_session_tracking=False,
        send_client_reports=False,
    )
    _initialised = True


def close(timeout: float = 2.0) -> None:
    """Send what is queued (waiting up to `timeout` seconds) and stop reporting; the next app
    built with a DSN starts again."""
    global _initialised
    sentry_sdk.get_client().close(timeout=timeout)
    sentry_sdk.get_global_scope().set_client(None)
    _initialised = False
