"""What each chat provider's answer means: a message id, or the DeliveryError to raise.

The same three kinds for every provider:
- the destination is gone (the webhook was deleted, its channel archived or removed, its
  token revoked): permanent, and the destination is suppressed ("destination_gone") so the
  console shows it and nothing more is sent there;
- the message itself was refused (a payload the provider rejects, a policy of the channel):
  permanent for this message, the destination kept;
- the provider is busy or failing (429, 408, 5xx): transient, with the wait it asked for.

Answers, per the providers' documentation (2026):
- Slack incoming webhooks answer 200 "ok", or a status with a plain-text code: 400
  invalid_payload / invalid_blocks / no_text / user_not_found, 403 invalid_token /
  action_prohibited, 404 no_service / no_team / channel_not_found, 410 channel_is_archived,
  429 with Retry-After (about 1 message per second per webhook), 500 rollup_error
  (api.slack.com changelog 2016-05-17 "Improving error conditions for Incoming Webhooks";
  docs.slack.dev "Rate limits").
- Discord answers 200 with the message (we send ?wait=true, so an unsaved message is an
  error, not a silent 204) or JSON {"message", "code"}: 404 10015 Unknown Webhook, 401 50027
  Invalid Webhook Token, 400 50035 Invalid Form Body; 429 {"message", "retry_after",
  "global"} with Retry-After and X-RateLimit-* headers (discord.com/developers "Rate Limits",
  "JSON Error Codes").
- Google Chat answers 200 with the Message resource (its "name" is the id) or Google's error
  {"error": {"code", "message", "status"}}: 400 INVALID_ARGUMENT, 401 UNAUTHENTICATED, 403
  PERMISSION_DENIED, 404 NOT_FOUND, 429 RESOURCE_EXHAUSTED (60 writes a minute per space),
  503 UNAVAILABLE (developers.google.com/workspace/chat "Usage limits"; cloud.google.com
  apis/design/errors).
- Teams Workflows (a Logic Apps / Power Automate request trigger) answer 202 Accepted (200
  once the flow replies), with the run id in x-ms-workflow-run-id, or Azure's error
  {"error": {"code", "message"}}: 404 WorkflowNotFound, 401/403 for a signature that is no
  longer valid, 400 for a body the trigger refuses, 429 with Retry-After. A retired Office 365
  connector answered 200 "1".
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import requests

from statuspage.core.logging_setup import redact
from statuspage.models.subscribers import DISCORD, GOOGLE_CHAT, SLACK, TEAMS
from statuspage.notify.base import DeliveryError, retry_after_seconds
from statuspage.notify.chat.urls import PROVIDER_NAMES

GONE = "destination_gone"
SLACK_GONE = frozenset({"no_service", "no_team", "channel_not_found", "channel_is_archived",
                        "invalid_token", "team_disabled"})
DISCORD_GONE = frozenset({10003, 10015, 50027})  # Unknown Channel, Unknown Webhook, bad token
GOOGLE_GONE = frozenset({"NOT_FOUND", "PERMISSION_DENIED", "UNAUTHENTICATED"})
TEAMS_GONE_STATUSES = frozenset({401, 403, 404, 410})
TRANSIENT_STATUSES = frozenset({408, 425, 429})
_SLACK_CODE = re.compile(r"[a-z_]{1,60}")
MAX_DETAIL = 200


def _json(response: requests.Response) -> Any:
    try:
        return json.loads(response.content or b"null")
    except ValueError:
        return None


def _detail(text: Any, secrets: tuple[str, ...]) -> str:
    """A provider's error text, short and without any part of the destination URL."""
    detail = redact(" ".join(str(text or "").split()))[:MAX_DETAIL]
    for secret in secrets:
        if len(secret) >= 6:
            detail = detail.replace(secret, "[redacted]")
    return detail


def _fail(provider: str, status: int, code: str, detail: str, *, gone: bool = False,
          permanent: bool = True, retry_after: float | None = None) -> DeliveryError:
    name = PROVIDER_NAMES[provider]
    said = f"{status} {code}" if code and code != str(status) else str(status)
    if gone:
        text = f"{name} destination is gone ({said})"
    elif not permanent:
        text = f"{name} answered {said}; will retry"
    else:
        text = f"{name} refused the message ({said})"
    if detail and detail != code:
        text = f"{text}: {detail}"
    return DeliveryError(text, permanent=permanent, code=code or str(status),
                         retry_after=retry_after, suppress=GONE if gone else None)


def _by_status(provider: str, response: requests.Response, code: str, detail: str
               ) -> DeliveryError:
    """The outcome the status alone decides: redirects, rate limits and server errors."""
    status = response.status_code
    if 300 <= status < 400:
        return _fail(provider, status, code or str(status),
                     "redirects are not followed", permanent=True)
    if status in TRANSIENT_STATUSES or status >= 500:
        return _fail(provider, status, code or str(status), detail, permanent=False,
                     retry_after=retry_after_seconds(response.headers))
    return _fail(provider, status, code or str(status), detail)


def _slack(response: requests.Response, secrets: tuple[str, ...]) -> str | DeliveryError:
    body = response.text.strip()
    if response.status_code == 200:
        return uuid.uuid4().hex
    code = body if _SLACK_CODE.fullmatch(body) else ""
    if code in SLACK_GONE or response.status_code in (404, 410):
        return _fail(SLACK, response.status_code, code, "", gone=True)
    return _by_status(SLACK, response, code, "" if code else _detail(body, secrets))


def _discord_retry_after(response: requests.Response, body: Any) -> float | None:
    for raw in ((body or {}).get("retry_after") if isinstance(body, dict) else None,
                response.headers.get("Retry-After"),
                response.headers.get("X-RateLimit-Reset-After")):
        try:
            if raw is not None:
                return max(0.0, float(raw))
        except (TypeError, ValueError):
            continue
    return None


def _discord_field_error(errors: Any, path: str = "") -> str:
    """The first field error of Discord's 50035 "errors" tree, as "path: message"."""
    if not isinstance(errors, dict):
        return ""
    found = errors.get("_errors")
    if isinstance(found, list) and found and isinstance(found[0], dict):
        return f"{path or 'body'}: {found[0].get('message', '')}"
    for key, value in errors.items():
        inner = _discord_field_error(value, f"{path}.{key}" if path else str(key))
        if inner:
            return inner
    return ""


def _discord(response: requests.Response, secrets: tuple[str, ...]) -> str | DeliveryError:
    body = _json(response)
    status = response.status_code
    if 200 <= status < 300:
        message_id = body.get("id") if isinstance(body, dict) else None
        return str(message_id) if message_id else uuid.uuid4().hex
    error = body if isinstance(body, dict) else {}
    number = error.get("code") if isinstance(error.get("code"), int) else None
    field_error = _discord_field_error(error.get("errors"))
    detail = _detail(" ".join(filter(None, [str(error.get("message") or ""), field_error])),
                     secrets)
    if status == 429:
        code = "global_rate_limit" if error.get("global") else "rate_limited"
        return _fail(DISCORD, status, code, detail, permanent=False,
                     retry_after=_discord_retry_after(response, body))
    code = str(number) if number is not None else ""
    if number in DISCORD_GONE or status in (401, 404, 410):
        return _fail(DISCORD, status, code, detail, gone=True)
    return _by_status(DISCORD, response, code, detail)


def _google_error(body: Any) -> dict[str, Any]:
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _google_chat(response: requests.Response, secrets: tuple[str, ...]) -> str | DeliveryError:
    body = _json(response)
    status = response.status_code
    if 200 <= status < 300:
        name = body.get("name") if isinstance(body, dict) else None
        return str(name) if name else uuid.uuid4().hex
    error = _google_error(body)
    code = str(error.get("status") or "")
    detail = _detail(error.get("message"), secrets)
    if code in GOOGLE_GONE or status in (401, 403, 404, 410):
        return _fail(GOOGLE_CHAT, status, code, detail, gone=True)
    return _by_status(GOOGLE_CHAT, response, code, detail)


def _teams(response: requests.Response, secrets: tuple[str, ...]) -> str | DeliveryError:
    status = response.status_code
    if 200 <= status < 300:
        text = response.text.strip()
        # A retired Office 365 connector answered 200 with its throttling error as text.
        if "429" in text and status == 200 and text != "1":
            return _fail(TEAMS, 429, "rate_limited", _detail(text, secrets), permanent=False)
        return response.headers.get("x-ms-workflow-run-id") or uuid.uuid4().hex
    error = _google_error(_json(response))  # Azure's error has the same outer shape
    code = str(error.get("code") or "")
    detail = _detail(error.get("message") or response.text, secrets)
    if status in TEAMS_GONE_STATUSES:
        return _fail(TEAMS, status, code, detail, gone=True)
    return _by_status(TEAMS, response, code, detail)


_READERS = {SLACK: _slack, DISCORD: _discord, GOOGLE_CHAT: _google_chat, TEAMS: _teams}


def outcome(provider: str, response: requests.Response, secrets: tuple[str, ...]) -> str:
    """The message id for a delivered message; raises the DeliveryError the answer means.

    `secrets` are the destination URL's parts that a provider's error text must not carry
    into the delivery record (path segments, query values).
    """
    result = _READERS[provider](response, secrets)
    if isinstance(result, DeliveryError):
        raise result
    return result
