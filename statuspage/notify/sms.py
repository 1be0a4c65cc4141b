"""SMS through Twilio's Messages API, one message per recipient.

The SDK is pointed at its base URL through a custom `HttpClient` (the SDK's public hook): it
rewrites each Twilio host found in an explicit map to the configured base URL and refuses every
other host, so a test, or a misread TWILIO_EDGE/TWILIO_REGION, can never reach a host nobody
chose. Twilio's error codes decide whether retrying can help and whether the number is dead
or opted out (providers.md, 8.4-8.7).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from statuspage.notify.base import DeliveryError, Recipient, SmsContent, retry_after_seconds

DEFAULT_TIMEOUT_SECONDS = 10.0
# Connections kept open to the API: the most sends the SMS pump has in flight at once
# (delivery.sms.pump.concurrency_for).
CONNECTIONS = 32
STATUS_CALLBACK_PATH = "/hooks/twilio/status"

# Twilio error codes that say something about the recipient, not the request.
INVALID_NUMBER = 21211  # "The 'To' number is not a valid phone number"
UNSUBSCRIBED = 21610  # the recipient replied STOP: Twilio blocks every send to them
TOO_MANY_REQUESTS = 20429


class RefusedHost(RuntimeError):
    """The SDK tried to reach a host that is not in the client's map."""


class MappedHttpClient(TwilioHttpClient):
    """A TwilioHttpClient that only talks to the hosts in `host_map`, at the mapped base URLs.

    `host_map` maps a Twilio host name ("api.twilio.com") to a base URL ("https://api.twilio.com"
    in production, "http://127.0.0.1:4011" in tests). The last response is kept per thread,
    because TwilioRestException drops the response headers (Retry-After) that we need.
    """

    def __init__(self, host_map: Mapping[str, str], timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.host_map = {host.lower(): base.rstrip("/") for host, base in host_map.items()}
        self._local = threading.local()
        # One session, reused by every send of this client. No proxy, CA bundle or .netrc
        # lookups in the environment on every request (they cost the SMS pump more than the
        # rest of a send): the host map says where requests go, and TWILIO_API_BASE_URL is
        # the way to route them through a proxy.
        session = requests.Session()
        session.trust_env = False
        # Keep-alive connections for as many sends as the pump has in flight (the SDK's pool
        # holds cpu_count + 4 on https only): one more in flight would open, then throw away,
        # a connection per send.
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=CONNECTIONS)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        self.session = session

    @property
    def last_response(self) -> Response | None:
        return getattr(self._local, "response", None)

    def rewrite(self, url: str) -> str:
        """The URL to request instead of `url`; raises RefusedHost for an unmapped host."""
        parts = urlsplit(url)
        base = self.host_map.get((parts.hostname or "").lower())
        if base is None:
            raise RefusedHost(f"refusing to call {parts.hostname!r}: not in the Twilio host map")
        target = urlsplit(base)
        return urlunsplit((target.scheme, target.netloc, target.path + parts.path, parts.query,
                           ""))

    # The SDK logs every request and answer at INFO, about eight lines a message, each
    # formatted before the logger is asked: without them the sms process used 15% less CPU
    # for 10,000 SMS (bench/fanout.py: 31.6 s -> 26.9 s), and its log no longer repeats, per
    # message, what our delivery records hold. Failures still reach the log (DeliveryError).
    def log_request(self, kwargs: dict[str, Any]) -> None:
        """Nothing: see above."""

    def log_response(self, status_code: int, response: Any) -> None:
        """Nothing: see above."""

    def request(self, method: str, url: str, params: dict[str, object] | None = None,
                data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
                auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        self._local.response = None
        response = super().request(method, self.rewrite(url), params=params, data=data,
                                   headers=headers, auth=auth, timeout=timeout,
                                   allow_redirects=allow_redirects)
        self._local.response = response
        return response


class TwilioChannel:
    """Sends one SMS per call; returns the message SID ("SM" + 32 hex digits)."""

    def __init__(self, client: Client, http_client: MappedHttpClient, *, from_: str | None,
                 messaging_service_sid: str | None, status_callback: str | None) -> None:
        if not (from_ or messaging_service_sid):
            raise ValueError("TwilioChannel needs TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
        self.client = client
        self.http_client = http_client
        self.from_ = from_
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TwilioChannel:
        """Build the SDK client from the app config; TWILIO_API_BASE_URL points tests at a fake."""
        http_client = MappedHttpClient(
            {"api.twilio.com": config["TWILIO_API_BASE_URL"]},
            timeout=float(config.get("TWILIO_TIMEOUT_SECONDS") or DEFAULT_TIMEOUT_SECONDS),
        )
        client = Client(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                        http_client=http_client)
        # The SDK reads TWILIO_EDGE/TWILIO_REGION from the environment and would rebuild the
        # host name; we choose hosts through the map only.
        client.edge = None
        client.region = None
        base = str(config.get("PUBLIC_BASE_URL") or "").rstrip("/")
        return cls(client, http_client, from_=config.get("TWILIO_FROM"),
                   messaging_service_sid=config.get("TWILIO_MESSAGING_SERVICE_SID"),
                   status_callback=f"{base}{STATUS_CALLBACK_PATH}" if base else None)

    def send(self, content: SmsContent, recipient: Recipient) -> str:
        """Send `content` to the recipient's E.164 number; returns the message SID."""
        params: dict[str, Any] = {"to": recipient.address, "body": content.body}
        if self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        else:
            params["from_"] = self.from_
        if self.status_callback:
            params["status_callback"] = self.status_callback
        try:
            message = self.client.messages.create(**params)
        except RefusedHost as error:
            # A configuration error, not the recipient's: retrying cannot help.
            raise DeliveryError(str(error), permanent=True, code="refused_host") from None
        except TwilioException as error:
            raise self._twilio_error(error) from None
        except requests.Timeout as error:
            raise DeliveryError(f"Twilio timed out: {error}", permanent=False,
                                code="timeout") from None
        except requests.RequestException as error:
            raise DeliveryError(f"Twilio unreachable: {error}", permanent=False,
                                code="connection") from None
        return str(message.sid)

    def _twilio_error(self, error: TwilioException) -> DeliveryError:
        status = int(getattr(error, "status", 0) or 0)
        code = getattr(error, "code", None)
        text = str(getattr(error, "msg", None) or getattr(error, "detail", None) or error)
        label = str(code or status)
        response = self.http_client.last_response
        retry_after = retry_after_seconds(response.headers if response is not None else None)
        if code == INVALID_NUMBER:
            return DeliveryError(f"Twilio {code}: {text}", permanent=True, code=label,
                                 suppress="provider_error")
        if code == UNSUBSCRIBED:
            return DeliveryError(f"Twilio {code}: {text}", permanent=True, code=label,
                                 suppress="stop")
        if status == 429 or code == TOO_MANY_REQUESTS or status >= 500:
            # A 429 was never processed, so it is always safe to send again.
            return DeliveryError(f"Twilio {status}: {text}", permanent=False, code=label,
                                 retry_after=retry_after)
        # Other 4xx, and SDK errors without a status (missing credentials): a retry would
        # fail the same way.
        return DeliveryError(f"Twilio refused the message ({status}): {text}", permanent=True,
                             code=label if status else "client")
