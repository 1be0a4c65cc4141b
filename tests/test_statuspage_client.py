"""statuspage.migration.client against the fake Statuspage: rate limits, retries, paging."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from statuspage.migration.client import MAX_RETRIES, Client, SourceError
from tests.fakes.server import FakeServer, RecordedRequest, json_response
from tests.fakes.statuspage import API_KEY, FakeStatuspage
from tests.statuspage_data import generate


def _client(fake: FakeStatuspage | FakeServer, slept: list[float]) -> Client:
    return Client(f"{fake.url}/v1", API_KEY, sleep=slept.append)


def test_420_backs_off_and_429_waits_for_its_retry_after(
        fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=3, incidents=2, subscribers=5, maintenances=1)
    fake_statuspage.serve(data)
    fake_statuspage.respond_with(429, {"error": "Rate limit exceeded"},
                                 headers={"Retry-After": "3"})
    fake_statuspage.respond_with(420, {"error": "Rate limit exceeded"})
    slept: list[float] = []
    client = _client(fake_statuspage, slept)
    page = client.get(f"/pages/{data.page['id']}")
    assert page["id"] == data.page["id"]
    # The 429's own wait, then the second step of the backoff (1 s doubled) for the 420.
    assert slept == [3.0, 2.0]
    assert [r.answer_status for r in fake_statuspage.requests] == [429, 420, 200]
    assert all(r.headers["Authorization"] == f"OAuth {API_KEY}"
               for r in fake_statuspage.requests)


def test_a_retry_after_date_is_waited_for_until_then(fake_statuspage: FakeStatuspage) -> None:
    fake_statuspage.serve(generate(components=3, incidents=2, subscribers=5, maintenances=1))
    when = datetime.now(UTC) + timedelta(seconds=30)
    fake_statuspage.respond_with(429, {}, headers={"Retry-After": format_datetime(when,
                                                                                   usegmt=True)})
    slept: list[float] = []
    _client(fake_statuspage, slept).get(f"/pages/{fake_statuspage.dataset.page['id']}")
    assert len(slept) == 1 and 25 <= slept[0] <= 30


def test_server_errors_are_retried_and_a_source_that_never_recovers_stops_the_import(
        fake_statuspage: FakeStatuspage) -> None:
    fake_statuspage.serve(generate(components=3, incidents=2, subscribers=5, maintenances=1))
    page = f"/pages/{fake_statuspage.dataset.page['id']}"
    fake_statuspage.respond_with(503, {"error": "down"})
    slept: list[float] = []
    assert _client(fake_statuspage, slept).get(page)["name"] == "Acme Cloud"
    assert slept == [1.0]

    fake_statuspage.respond_with(420, {"error": "Rate limit exceeded"}, times=MAX_RETRIES + 1)
    slept.clear()
    with pytest.raises(SourceError, match=f"still answered HTTP 420 after {MAX_RETRIES} "
                                          "retries"):
        _client(fake_statuspage, slept).get(page)
    assert slept == [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0]


def test_a_source_that_cannot_be_reached_is_named_in_the_error() -> None:
    slept: list[float] = []
    client = Client("http://127.0.0.1:9/v1", API_KEY, sleep=slept.append)
    with pytest.raises(SourceError, match=re.escape("Could not reach http://127.0.0.1:9/v1/pages/x")):
        client.get("/pages/x")
    assert len(slept) == MAX_RETRIES


def test_lists_are_read_page_by_page_until_a_short_page(
        fake_statuspage: FakeStatuspage) -> None:
    data = generate(components=3, incidents=2, subscribers=250, maintenances=1)
    fake_statuspage.serve(data)
    client = _client(fake_statuspage, [])
    pages = list(client.items(f"/pages/{data.page['id']}/subscribers", {"type": "email"}))
    emails = [s for s in data.subscribers
              if s["mode"] == "email" and data.states[s["id"]] == "active"]
    assert [len(p) for p in pages] == [100, len(emails) - 100]
    assert [s["id"] for p in pages for s in p] == [s["id"] for s in emails]
    assert [r.args["page"] for r in fake_statuspage.requests] == [["1"], ["2"]]


def test_a_server_that_ignores_page_does_not_loop_for_ever() -> None:
    def same_page(request: RecordedRequest) -> object:
        return json_response([{"id": f"item{n:08d}"} for n in range(100)])

    server = FakeServer(same_page)  # type: ignore[arg-type]
    try:
        pages = list(Client(server.url, None, sleep=lambda s: None).items("/things"))
    finally:
        server.stop()
    assert [len(p) for p in pages] == [100]
    assert len(server.requests) == 2
