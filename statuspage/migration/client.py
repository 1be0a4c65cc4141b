"""Reading a Statuspage page over HTTP: GET with retries, and the list endpoints page by page.

The Manage API (https://api.statuspage.io/v1, `Authorization: OAuth <key>`) allows one
request a second per key over a 60-second window and answers 420 or 429 beyond it; the
public API (/api/v2 on the page's own host) needs no key. A refused request waits for its
`Retry-After` when the answer gives one, otherwise backs off exponentially, and so does a
5xx or a connection that failed; anything else that is not a 2xx stops the import with a
SourceError saying what Statuspage answered. The key never appears in an error or a log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from statuspage.core.errors import DomainError

DEFAULT_API_URL = "https://api.statuspage.io/v1"
# Statuspage's largest page size for its list endpoints.
PER_PAGE = 100
TIMEOUT_SECONDS = 30
# Attempts per request after the first: with the backoff below, about 4 minutes of waiting,
# longer than Statuspage's 60-second rate-limit window several times over.
MAX_RETRIES = 8
MAX_BACKOFF_SECONDS = 60.0
# A Retry-After longer than this is not waited for in full (a misbehaving proxy).
MAX_RETRY_AFTER_SECONDS = 300.0
# A list longer than this many pages is a server ignoring `page`, not a page of ours.
MAX_PAGES = 10_000
RATE_LIMITED = (420, 429)


class SourceError(DomainError):
    """Statuspage answered in a way the import cannot get past (bad key, unknown page...)."""


@dataclass
class Client:
    """GETs against one base URL (the Manage API's, or a page's own for the public API)."""

    base_url: str
    api_key: str | None = None
    # Seconds of the first backoff step; it doubles on each retry (tests make it small).
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    session: requests.Session = field(default_factory=requests.Session)
    requests_made: int = 0
    # Every wait before a retry, in seconds: the import's report counts the rate limiting.
    waits: list[float] = field(default_factory=list)

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON of a GET, retried through rate limiting and transient failures."""
        url = self.base_url.rstrip("/") + path
        headers = {"Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"OAuth {self.api_key}"
        for attempt in range(MAX_RETRIES + 1):
            last = attempt == MAX_RETRIES
            self.requests_made += 1
            try:
                response = self.session.get(url, params=params, headers=headers,
                                            timeout=TIMEOUT_SECONDS)
            except requests.RequestException as error:
                if last:
                    raise SourceError(f"Could not reach {url}: {type(error).__name__}.") from None
                self._wait(self._backoff(attempt))
                continue
            status = response.status_code
            if status in RATE_LIMITED or status >= 500:
                if last:
                    raise SourceError(f"{url} still answered HTTP {status} after "
                                      f"{MAX_RETRIES} retries; try again later.")
                self._wait(retry_after(response) if status in RATE_LIMITED else None,
                           self._backoff(attempt))
                continue
            return _json(response, url)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def items(self, path: str, params: dict[str, Any] | None = None, *,
              size_param: str = "per_page") -> Iterator[list[dict[str, Any]]]:
        """Each page of a list endpoint (a JSON array), from page 1 until a short page.

        `size_param` is how the endpoint names its page size: `per_page` on most, `limit` on
        incidents. An item already seen is not yielded twice, and a page bringing only such
        items ends the list (a server that ignores `page` would otherwise loop for ever).
        """
        seen: set[str] = set()
        for number in range(1, MAX_PAGES + 1):
            batch = self.get(path, {**(params or {}), "page": number, size_param: PER_PAGE})
            if not isinstance(batch, list):
                raise SourceError(f"{path} did not answer with a list.")
            fresh = [item for item in batch
                     if isinstance(item, dict) and str(item.get("id")) not in seen]
            seen.update(str(item.get("id")) for item in fresh)
            if fresh:
                yield fresh
            if len(batch) < PER_PAGE or not fresh:
                return
        raise SourceError(f"{path} has more than {MAX_PAGES} pages; stopped.")

    def _backoff(self, attempt: int) -> float:
        return min(self.backoff * 2 ** attempt, MAX_BACKOFF_SECONDS)

    def _wait(self, *choices: float | None) -> None:
        seconds = next(c for c in choices if c is not None)
        self.waits.append(seconds)
        self.sleep(seconds)


def retry_after(response: requests.Response) -> float | None:
    """Seconds the answer asks to wait (`Retry-After`: seconds or an HTTP date), or None."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _json(response: requests.Response, url: str) -> Any:
    status = response.status_code
    if status in (401, 403):
        raise SourceError(f"Statuspage refused the API key (HTTP {status}{_said(response)}). "
                          "Check --api-key: a key of a user who can manage this page, from "
                          "Statuspage's API info page.")
    if status == 404:
        raise SourceError(f"Statuspage has nothing at {url} (HTTP 404). Check --page-id "
                          "and --base-url.")
    if not 200 <= status < 300:
        raise SourceError(f"Statuspage answered HTTP {status} for {url}{_said(response)}.")
    try:
        return response.json()
    except ValueError:
        raise SourceError(f"{url} did not answer with JSON.") from None


def _said(response: requests.Response) -> str:
    """What the error body says, briefly (Statuspage answers {"error": "..."})."""
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("error") or body.get("message") if isinstance(body, dict) else None
    return f": {str(message)[:200]}" if message else ""
