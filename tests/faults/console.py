"""A console user driving a live site over HTTP, as a browser would (form posts with CSRF)."""

from __future__ import annotations

import re

import requests

from tests.factories import PASSWORD


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no csrf_token on the page"
    return match.group(1)


class Console:
    def __init__(self, base_url: str, email: str) -> None:
        self.base = base_url
        self.http = requests.Session()
        page = self.http.get(f"{base_url}/console/login", timeout=30)
        answer = self.http.post(f"{base_url}/console/login", timeout=30, allow_redirects=False,
                                data={"email": email, "password": PASSWORD,
                                      "csrf_token": _token(page.text)})
        assert answer.status_code == 302, answer.text[:2000]

    def post_update(self, public_id: str, body: str) -> requests.Response:
        """Publish an update on the incident page; returns the page the redirect leads to."""
        path = f"{self.base}/console/incidents/{public_id}"
        token = _token(self.http.get(path, timeout=30).text)
        return self.http.post(f"{path}/updates", timeout=30, data={
            "csrf_token": token, "status": "identified", "body": body,
            "deliver_notifications": "y", "visibility": "public"})
