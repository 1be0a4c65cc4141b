"""Fake SendGrid, Twilio and webhook receiver, shaped like the real APIs' answers.

Shapes follow /work/shared/docs/providers.md: SendGrid answers 202 with X-Message-Id and an
empty body; Twilio answers 201 with a Message resource whose sid is "SM" + 32 hex digits.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from werkzeug.wrappers import Response

from tests.fakes.server import FakeServer, RecordedRequest, json_response


class FakeSendGrid(FakeServer):
    """POST /v3/mail/send. `sends` lists the recorded mail/send requests."""

    def __init__(self) -> None:
        super().__init__(self._answer)

    @property
    def sends(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v3/mail/send"]

    def respond_rate_limited(self, retry_after: int = 7, *, reset_header: bool = False) -> None:
        """Queue a 429 with Retry-After, or with X-RateLimit-Reset (epoch seconds) instead."""
        import time

        headers = ({"X-RateLimit-Reset": str(int(time.time()) + retry_after)} if reset_header
                   else {"Retry-After": str(retry_after)})
        self.respond_with(429, {"errors": [{"message": "too many requests", "field": None}]},
                          headers=headers)

    def respond_bad_request(self, message: str = "The from address does not match a verified "
                            "Sender Identity.", field: str | None = "from") -> None:
        """Queue a 400 with SendGrid's error body."""
        self.respond_with(400, {"errors": [{"message": message, "field": field, "help": None}]})

    @staticmethod
    def _answer(request: RecordedRequest) -> Response:
        if request.method != "POST" or request.path != "/v3/mail/send":
            return json_response({"errors": [{"message": "not found"}]}, 404)
        if not request.headers.get("Authorization", "").startswith("Bearer "):
            return json_response({"errors": [{"message": "authorization required"}]}, 401)
        refused = invalid_recipients(request.json)
        if refused:
            # SendGrid validates the whole request first: one bad `to` refuses all of it, and
            # each error's `field` names the recipient (personalizations.N.to.M.email).
            return json_response({"errors": [
                {"message": "Does not contain a valid address.", "field": field,
                 "help": "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/"
                         "errors.html#message.personalizations.to"}
                for field in refused]}, 400)
        return Response(b"", status=202,
                        headers={"X-Message-Id": secrets.token_urlsafe(16)[:22]})


# What SendGrid takes as an address: ASCII only (no SMTPUTF8 local part, IDN domains in their
# xn-- form), one @, a dotted domain.
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def invalid_recipients(body: Any) -> list[str]:
    """The `field` of every recipient SendGrid would refuse in a mail/send body."""
    fields = []
    for n, personalization in enumerate(body.get("personalizations") or []):
        for m, to in enumerate(personalization.get("to") or []):
            if not _ADDRESS.fullmatch(str(to.get("email", ""))):
                fields.append(f"personalizations.{n}.to.{m}.email")
    return fields


def twilio_sid() -> str:
    """A message SID in Twilio's format: "SM" and 32 hex digits."""
    return "SM" + secrets.token_hex(16)


def twilio_error(code: int, message: str, status: int = 400) -> dict[str, Any]:
    """Twilio's REST error body."""
    return {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}


class FakeTwilio(FakeServer):
    """POST /2010-04-01/Accounts/<sid>/Messages.json (form-encoded). `messages` lists them."""

    def __init__(self) -> None:
        super().__init__(self._answer)

    @property
    def messages(self) -> list[RecordedRequest]:
        return [r for r in self.requests
                if r.method == "POST" and r.path.endswith("/Messages.json")]

    def respond_error(self, code: int, message: str | None = None, status: int = 400) -> None:
        """Queue a Twilio error answer, e.g. 21211 (invalid To) or 21610 (unsubscribed)."""
        defaults = {
            21211: "The 'To' number +1555 is not a valid phone number.",
            21610: "Attempt to send to unsubscribed recipient",
            20429: "Too Many Requests",
        }
        self.respond_with(status, twilio_error(code, message or defaults.get(code, "Error"),
                                               status))

    @staticmethod
    def _answer(request: RecordedRequest) -> Response:
        parts = request.path.strip("/").split("/")
        # ["2010-04-01", "Accounts", sid, "Messages.json"]
        if (request.method != "POST" or len(parts) != 4 or parts[:2] != ["2010-04-01", "Accounts"]
                or parts[3] != "Messages.json"):
            return json_response(twilio_error(20404, "The requested resource was not found",
                                              404), 404)
        if not request.headers.get("Authorization", "").startswith("Basic "):
            return json_response(twilio_error(20003, "Authenticate", 401), 401)
        account = parts[2]
        sid = twilio_sid()
        body = request.param("Body") or ""
        resource = {
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": "Thu, 01 Jan 2026 00:00:00 +0000",
            "date_sent": None,
            "date_updated": "Thu, 01 Jan 2026 00:00:00 +0000",
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": request.param("From"),
            "messaging_service_sid": request.param("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"},
            "to": request.param("To"),
            "uri": f"/2010-04-01/Accounts/{account}/Messages/{sid}.json",
        }
        return json_response(resource, 201)


class FakeWebhookReceiver(FakeServer):
    """Accepts POSTs on any path and answers 200 unless told otherwise."""

    def __init__(self) -> None:
        super().__init__(lambda request: Response(b"ok", status=200, mimetype="text/plain"))

    def url_for(self, path: str = "/hook") -> str:
        """An absolute URL on this receiver."""
        return f"{self.url}{path}"
