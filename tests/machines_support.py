"""A console user's browser for tests/test_several_machines.py: plain HTTP, cookies by hand.

The session cookie is carried explicitly (never a cookie jar, which ignores ports), so a test
says which web process set it and which one it is sent to. Requests come through one trusted
proxy hop (TRUSTED_PROXY_HOPS=1) from an address of their own, so the login limits of runs
sharing one Redis never count together.
"""

from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.client import HTTPResponse

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 303 is an answer to look at, not to follow


_OPENER = urllib.request.build_opener(_NoRedirect)


@dataclass
class Answer:
    status: int
    body: str
    location: str


@dataclass
class Browser:
    """One visitor: an address, and the session cookie the last answer set (if any)."""

    client: str = field(default_factory=lambda: f"10.{secrets.randbelow(256)}."
                        f"{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}")
    cookie: str = ""

    def get(self, url: str) -> Answer:
        return self._send(urllib.request.Request(url))

    def post(self, url: str, form: dict[str, str]) -> Answer:
        data = urllib.parse.urlencode(form).encode()
        return self._send(urllib.request.Request(url, data=data))

    def _send(self, request: urllib.request.Request) -> Answer:
        request.add_header("X-Forwarded-For", self.client)
        if self.cookie:
            request.add_header("Cookie", self.cookie)
        try:
            response: HTTPResponse = _OPENER.open(request, timeout=20)  # loopback only
        except urllib.error.HTTPError as error:  # 3xx (not followed) and 4xx/5xx alike
            response = error  # type: ignore[assignment]
        with response:
            body = response.read().decode(errors="replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                if header.startswith("session="):
                    self.cookie = header.split(";", 1)[0]
            return Answer(response.status, body, response.headers.get("Location", ""))


def csrf_token(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no csrf_token in the form"
    return found.group(1) or found.group(2)
