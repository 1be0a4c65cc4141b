"""What the chat providers answer, and the payload checks of tests/fakes/chat.py.

Answer shapes (the sources are listed in statuspage/notify/chat/outcomes.py):
- Slack: 200 "ok", or a status with a plain-text code ("no_service", "invalid_blocks" ...).
- Discord: 200 with the message (?wait=true) or 204; errors {"message", "code"}; 429
  {"message": "You are being rate limited.", "retry_after", "global"}.
- Google Chat: 200 with the Message resource; errors {"error": {"code", "message", "status"}}.
- Teams Workflows: 202 with x-ms-workflow-run-id; errors {"error": {"code", "message"}}.

The structural checks are the minimum each provider enforces (a body it cannot read, no
content at all, too many blocks or embeds); the full documented rules belong to the message
builders' checks, which a test passes to the fake as its `validator`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from werkzeug.wrappers import Response

from tests.fakes.server import json_response

SLACK, TEAMS, DISCORD, GOOGLE_CHAT = "slack", "teams", "discord", "googlechat"

# Per provider: the "gone" answers a test can pick, as (status, body); the first is the default.
SLACK_GONE = {"no_service": 404, "no_team": 404, "channel_not_found": 404,
              "channel_is_archived": 410, "invalid_token": 403}
DISCORD_GONE = {"unknown_webhook": (404, {"message": "Unknown Webhook", "code": 10015}),
                "invalid_token": (401, {"message": "Invalid Webhook Token", "code": 50027})}
GOOGLE_GONE = {"not_found": (404, "Requested entity was not found.", "NOT_FOUND"),
               "permission_denied": (403, "The caller does not have permission",
                                     "PERMISSION_DENIED")}
TEAMS_GONE = {"not_found": (404, "WorkflowNotFound", "The workflow could not be found."),
              "bad_signature": (401, "DirectApiInvalidAuthorizationSignature",
                                "The provided authorization signature is not valid.")}


def slack_text(status: int, code: str, headers: dict[str, str] | None = None) -> Response:
    return Response(code, status=status, headers=headers or {}, mimetype="text/html")


def google_error(status: int, message: str, state: str,
                 headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": {"code": status, "message": message, "status": state}},
                         status, headers)


def azure_error(status: int, code: str, message: str,
                headers: dict[str, str] | None = None) -> Response:
    return json_response({"error": {"code": code, "message": message}}, status, headers)


def gone(provider: str, reason: str | None) -> Response:
    """The provider's answer for a deleted webhook (or archived channel, revoked token)."""
    if provider == SLACK:
        code = reason or "no_service"
        return slack_text(SLACK_GONE[code], code)
    if provider == DISCORD:
        status, body = DISCORD_GONE[reason or "unknown_webhook"]
        return json_response(body, status)
    if provider == GOOGLE_CHAT:
        return google_error(*GOOGLE_GONE[reason or "not_found"])
    return azure_error(*TEAMS_GONE[reason or "not_found"])


def rate_limited(provider: str, retry_after: float,
                 headers: dict[str, str] | None = None) -> Response:
    """The provider's 429, asking for `retry_after` seconds."""
    headers = {"Retry-After": str(max(1, round(retry_after))), **(headers or {})}
    if provider == SLACK:
        return slack_text(429, "rate_limited", headers)
    if provider == DISCORD:
        return json_response({"message": "You are being rate limited.",
                              "retry_after": round(retry_after, 3), "global": False},
                             429, {**headers, "X-RateLimit-Scope": "user"})
    if provider == GOOGLE_CHAT:
        return google_error(429, "Resource has been exhausted (e.g. check quota).",
                            "RESOURCE_EXHAUSTED", headers)
    return azure_error(429, "WorkflowRequestsThrottled",
                       "The flow's requests are being throttled.", headers)


def server_error(provider: str, status: int) -> Response:
    if provider == SLACK:
        return slack_text(status, "rollup_error")
    if provider == DISCORD:
        return json_response({"message": "500: Internal Server Error", "code": 0}, status)
    if provider == GOOGLE_CHAT:
        return google_error(status, "The service is currently unavailable.", "UNAVAILABLE")
    return azure_error(status, "ServiceUnavailable", "The server is busy.")


def invalid(provider: str, problems: list[str]) -> Response:
    """The provider's answer to a payload it refuses (`problems` says why)."""
    text = "; ".join(problems)[:500]
    if provider == SLACK:
        code = problems[0] if problems and problems[0] in (
            "invalid_payload", "no_text", "invalid_blocks") else "invalid_blocks"
        return slack_text(400, code)
    if provider == DISCORD:
        if problems == ["Cannot send an empty message"]:
            return json_response({"message": problems[0], "code": 50006}, 400)
        return json_response({"message": "Invalid Form Body", "code": 50035,
                              "errors": {"_errors": [{"code": "BASE_TYPE_INVALID",
                                                      "message": text}]}}, 400)
    if provider == GOOGLE_CHAT:
        return google_error(400, f"Invalid JSON payload received. {text}", "INVALID_ARGUMENT")
    return azure_error(400, "InvalidRequestContent", text)


def structural_problems(provider: str, body: bytes) -> list[str]:
    """What the provider would refuse in `body` before any documented limit."""
    try:
        payload = json.loads(body)
    except ValueError:
        return ["invalid_payload"]
    if not isinstance(payload, dict):
        return ["invalid_payload"]
    if provider == SLACK:
        return _slack(payload)
    if provider == DISCORD:
        return _discord(payload)
    if provider == GOOGLE_CHAT:
        if not any(payload.get(k) for k in ("text", "cardsV2", "cards")):
            return ["Message must contain text or cards"]
        return []
    return _teams(payload)


def _slack(payload: dict[str, Any]) -> list[str]:
    blocks = payload.get("blocks")
    if not payload.get("text") and not blocks and not payload.get("attachments"):
        return ["no_text"]
    if blocks is not None and (not isinstance(blocks, list) or len(blocks) > 50 or not all(
            isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks)):
        return ["invalid_blocks"]
    return []


def _discord(payload: dict[str, Any]) -> list[str]:
    if not any(payload.get(k) for k in ("content", "embeds", "components", "poll")):
        return ["Cannot send an empty message"]
    content, embeds = payload.get("content") or "", payload.get("embeds") or []
    if len(content) > 2000:
        return ["content: Must be 2000 or fewer in length."]
    if not isinstance(embeds, list) or len(embeds) > 10:
        return ["embeds: Must be 10 or fewer in length."]
    return []


def _teams(payload: dict[str, Any]) -> list[str]:
    attachments = payload.get("attachments")
    if payload.get("type") != "message" or not isinstance(attachments, list) or not attachments:
        return ["The request body must be a message with attachments."]
    for attachment in attachments:
        content = attachment.get("content") if isinstance(attachment, dict) else None
        if (attachment.get("contentType") != "application/vnd.microsoft.card.adaptive"
                or not isinstance(content, dict) or content.get("type") != "AdaptiveCard"
                or not content.get("version")):
            return ["Each attachment must be an Adaptive Card with a version."]
    return []


def delivered(provider: str, path: str, payload: Any, thread: str | None,
              wait: bool) -> Response:
    """The provider's answer to a message it accepted."""
    if provider == SLACK:
        return Response("ok", status=200, mimetype="text/html")
    if provider == DISCORD:
        if not wait:
            return Response(b"", status=204)
        webhook_id = path.rstrip("/").split("/")[-2]
        return json_response({
            "id": str(10**17 + secrets.randbelow(9 * 10**17)), "type": 0,
            "channel_id": "1100000000000000000", "webhook_id": webhook_id,
            "content": payload.get("content", ""), "embeds": payload.get("embeds", []),
            "timestamp": "2026-01-01T00:00:00.000000+00:00"})
    if provider == GOOGLE_CHAT:
        space = path.split("/")[3]
        message = secrets.token_urlsafe(8)
        return json_response({
            "name": f"spaces/{space}/messages/{message}.{message}",
            "sender": {"name": "users/114022495153014004089", "type": "BOT"},
            "createTime": "2026-01-01T00:00:00.000000Z", "text": payload.get("text", ""),
            "thread": {"name": f"spaces/{space}/threads/{thread or message}"},
            "space": {"name": f"spaces/{space}", "type": "ROOM"}})
    return Response(b"", status=202, headers={
        "x-ms-workflow-run-id": "0858" + "".join(str(secrets.randbelow(10)) for _ in range(32))
    })


def _digest(text: str, alphabet: str, length: int) -> str:
    raw = hashlib.sha256(text.encode()).digest() * 4
    return "".join(alphabet[b % len(alphabet)] for b in raw[:length])


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def webhook_path(provider: str, name: str) -> str:
    """The path and query of a webhook URL of `provider`'s shape, the same for one `name`."""
    seed = f"{provider}:{name}"
    if provider == SLACK:
        return (f"/services/T{_digest(seed + 't', _UPPER, 9)}"
                f"/B{_digest(seed + 'b', _UPPER, 9)}/{_digest(seed, _ALNUM, 24)}")
    if provider == TEAMS:
        return (f"/workflows/{hashlib.md5(seed.encode()).hexdigest()}"
                "/triggers/manual/paths/invoke?api-version=2016-06-01"
                f"&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={_digest(seed, _ALNUM, 43)}")
    if provider == DISCORD:
        webhook_id = str(10**17 + int(hashlib.sha256(seed.encode()).hexdigest()[:12], 16))
        return (f"/api/webhooks/{webhook_id}/"
                f"{_digest(seed, _ALNUM + '-_', 68)}")
    if provider == GOOGLE_CHAT:
        return (f"/v1/spaces/AAAA{_digest(seed, _ALNUM, 7)}/messages"
                f"?key=AIzaSy{_digest(seed + 'k', _ALNUM, 33)}"
                f"&token={_digest(seed + 't', _ALNUM, 43)}%3D")
    raise ValueError(provider)


def nearest(path: str) -> str:
    """The provider whose path `path` resembles most (for the 404 of an unknown path)."""
    for prefix, provider in (("/services/", SLACK), ("/workflows/", TEAMS),
                             ("/api/", DISCORD), ("/v1/", GOOGLE_CHAT)):
        if path.startswith(prefix):
            return provider
    return SLACK
