"""An error report (a Sentry event, as a dict) with personal data and secrets taken out.

`scrub_event` is the SDK's `before_send`: it sees every event just before it is sent, so it
is the last word whatever an integration collected. Per part of the event:

- messages, log lines and exception values: `scrub.scrub_text`;
- the request: the URL without its query, link tokens masked; headers that carry credentials
  (Authorization, Cookie, provider signatures) dropped, the others scrubbed; cookies, body,
  query string and the WSGI environment (the client's address) dropped;
- breadcrumbs, extra data, tags and contexts of our own: `scrub.scrub_value`;
- stack frames: local variables dropped (the SDK is told not to collect them at all);
- the user: dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from statuspage.core.scrub import SECRET_KEY, scrub_text, scrub_url, scrub_value

# Contexts the SDK fills with facts about the machine and the trace (ids, versions), which
# scrubbing could only damage.
SDK_CONTEXTS = frozenset({"trace", "runtime", "os", "device", "app", "browser", "culture",
                          "cloud_resource", "otel"})
# Request headers worth keeping, scrubbed; any other header is dropped.
KEPT_HEADERS = frozenset({"accept", "accept-language", "content-length", "content-type",
                          "host", "referer", "user-agent", "x-request-id"})


def scrub_event(event: dict[str, Any], hint: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`event` with personal data and secrets masked or removed (changed in place)."""
    event.pop("user", None)
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    if isinstance(event.get("transaction"), str):
        event["transaction"] = scrub_url(event["transaction"])
    _scrub_logentry(event.get("logentry"))
    for exception in _values(event.get("exception")):
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub_text(exception["value"])
        _drop_locals(exception.get("stacktrace"))
    for thread in _values(event.get("threads")):
        _drop_locals(thread.get("stacktrace"))
    for crumb in _values(event.get("breadcrumbs")):
        if isinstance(crumb.get("message"), str):
            crumb["message"] = scrub_text(crumb["message"])
        if "data" in crumb:
            crumb["data"] = scrub_value(crumb["data"])
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    for part in ("extra", "tags"):
        if part in event:
            event[part] = scrub_value(event[part])
    contexts = event.get("contexts")
    if isinstance(contexts, dict):
        for name, context in contexts.items():
            if name not in SDK_CONTEXTS:
                contexts[name] = scrub_value(context)
    return event


def _values(part: Any) -> list[dict[str, Any]]:
    """The entries of an event part given as {"values": [...]} or as a plain list."""
    values = part.get("values") if isinstance(part, dict) else part
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _scrub_logentry(logentry: Any) -> None:
    if not isinstance(logentry, dict):
        return
    for key in ("message", "formatted"):
        if isinstance(logentry.get(key), str):
            logentry[key] = scrub_text(logentry[key])
    if "params" in logentry:
        logentry["params"] = scrub_value(logentry["params"])


def _drop_locals(stacktrace: Any) -> None:
    if isinstance(stacktrace, dict):
        for frame in stacktrace.get("frames") or []:
            if isinstance(frame, dict):
                frame.pop("vars", None)


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    kept: dict[str, Any] = {"method": request.get("method")}
    if isinstance(request.get("url"), str):
        kept["url"] = scrub_url(request["url"])
    headers = request.get("headers")
    if isinstance(headers, dict):
        kept["headers"] = {name: scrub_text(str(value)) for name, value in headers.items()
                           if name.lower() in KEPT_HEADERS and not SECRET_KEY.search(name)}
    return kept
