"""Subscriber CSV export (consent included, formulas neutralised) and streaming import."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.models import AuditEntry, Subscriber, SubscriberImport, User
from statuspage.page.record import get_page
from statuspage.subscriptions import csv_export, csv_rows, csv_save
from statuspage.subscriptions import imports as subscriber_import
from statuspage.subscriptions.csv_export import EXPORT_COLUMNS
from statuspage.subscriptions.csv_rows import ImportOptions, ImportReport
from statuspage.subscriptions.imports import start_import
from tests.conftest import make_app
from tests.console.conftest import LoginHelper, csrf_token
from tests.console.conftest_content import field_error
from tests.console.subscriber_helpers import make_subscriber, outbox_to
from tests.factories import Factory


def _export(client: FlaskClient, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/console/subscribers/export.csv{query}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _upload(client: FlaskClient, text: str | bytes, **fields: str) -> tuple[int, str]:
    content = text.encode() if isinstance(text, str) else text
    # The upload redirects to the import's page; the worker (inline in tests) has run by then.
    response = client.post("/console/subscribers/import", data={
        "file": (io.BytesIO(content), "list.csv"), **fields,
    }, content_type="multipart/form-data", follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


def _errors(html: str) -> dict[int, str]:
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", html)
    return {int(line): unescape(message) for line, message in rows}


def _by_address() -> dict[str, Subscriber]:
    db.session.expire_all()
    return {s.address: s for s in db.session.query(Subscriber)}


def test_export_has_every_field_including_consent(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    login(client, role="communicator")
    api, web = factory.component("API"), factory.component("Web")
    make_subscriber("ann@acme.example", components=[web, api], language="nb",
                    consent_source="import", consent_note="CRM opt-in list 2024")
    make_subscriber("gone@acme.example", state="suppressed")
    rows = _export(client)
    assert tuple(rows[0]) == EXPORT_COLUMNS
    ann = next(r for r in rows if r["address"] == "ann@acme.example")
    assert ann["state"] == "active" and ann["language"] == "nb"
    assert ann["components"].split() == sorted([api.public_id, web.public_id])
    assert ann["consent_source"] == "import" and ann["consent_ip"] == "192.0.2.7"
    assert ann["consent_note"] == "CRM opt-in list 2024"
    assert ann["created_at"].endswith("+00:00") and ann["confirmed_at"]
    assert ann["consent_at"] and ann["unsubscribed_at"] == ""
    gone = next(r for r in rows if r["address"] == "gone@acme.example")
    assert gone["state"] == "suppressed" and gone["suppression_reason"] == "bounce"
    assert gone["suppressed_at"]


def test_export_neutralises_cells_a_spreadsheet_would_run(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="communicator")
    make_subscriber("=1+2@acme.example", consent_note="@SUM(A1:A9)")
    make_subscriber("+14155550100", channel="sms", consent_note='-2+3+cmd|"/c calc"!A0')
    rows = {r["channel"]: r for r in _export(client)}
    assert rows["email"]["address"] == "'=1+2@acme.example"
    assert rows["email"]["consent_note"] == "'@SUM(A1:A9)"
    assert rows["sms"]["address"] == "'+14155550100"
    assert rows["sms"]["consent_note"] == """'-2+3+cmd|"/c calc"!A0"""


def test_export_streams_every_row_once_across_batches_and_follows_the_filters(
    client: FlaskClient, login: LoginHelper, monkeypatch: pytest.MonkeyPatch
) -> None:
    login(client, role="communicator")
    monkeypatch.setattr(csv_export, "EXPORT_BATCH", 3)
    for n in range(10):
        make_subscriber(f"p{n}@acme.example", state="active" if n % 2 else "unconfirmed")
    make_subscriber("x@other.example")
    response = client.get("/console/subscribers/export.csv")
    assert response.is_streamed
    rows = _export(client)
    assert sorted(r["address"] for r in rows) == sorted(
        [f"p{n}@acme.example" for n in range(10)] + ["x@other.example"])
    filtered = _export(client, "?q=acme&state=active")
    assert sorted(r["address"] for r in filtered) == [f"p{n}@acme.example" for n in (1, 3, 5, 7, 9)]


def test_viewers_cannot_export(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="viewer")
    make_subscriber("private@acme.example")
    response = client.get("/console/subscribers/export.csv")
    assert response.status_code == 403
    assert b"private@acme.example" not in response.data


MIXED = (
    "Channel,Address,Components,Language\n"      # 1
    "email,Ann@Acme.example,{api},nb\n"           # 2 valid
    "email,not-an-email,,\n"                      # 3 invalid address
    "sms,+1 415 555 0100,,\n"                     # 4 valid
    "\n"                                          # 5 blank: skipped
    "email,bob@acme.example,nosuchid,\n"          # 6 unknown component
    "webhook,http://insecure.example/hook,,\n"    # 7 not https
    '"email","multi@acme.example","{api}\n{web}",en\n'  # 8-9 one record over two lines
    "email,carol@acme.example,,xx_not!valid\n"    # 10 bad language
    "pigeon,coop 7,,\n"                           # 11 unknown channel
    "email,ann@acme.example,,\n"                  # 12 already on the list (line 2)
)


def test_import_reports_bad_rows_by_line_and_imports_the_rest_with_confirmations(
    client: FlaskClient, login: LoginHelper, factory: Factory
) -> None:
    user = login(client, role="communicator")
    api, web = factory.component("API"), factory.component("Web")
    status, html = _upload(client, MIXED.format(api=api.public_id, web=web.public_id))
    assert status == 200
    errors = _errors(html)
    assert sorted(errors) == [3, 6, 7, 10, 11]
    assert "valid email" in errors[3]
    assert "nosuchid" in errors[6]
    assert "xx-not!valid" in errors[10]
    assert re.search(r"<strong>3</strong> imported", html)
    assert re.search(r"<strong>1</strong> already on the list", html)
    assert re.search(r"<strong>5</strong> rows refused", html)

    subscribers = _by_address()
    assert set(subscribers) == {"ann@acme.example", "+14155550100", "multi@acme.example"}
    assert all(s.state == "unconfirmed" and s.consent_source == "import"
               for s in subscribers.values())
    assert subscribers["ann@acme.example"].language == "nb"
    assert [c.name for c in subscribers["ann@acme.example"].components] == ["API"]
    assert {c.name for c in subscribers["multi@acme.example"].components} == {"API", "Web"}
    # Each new subscriber got exactly one confirmation; nobody else got anything.
    assert len(outbox_to("ann@acme.example")) == 1
    assert len(outbox_to("+14155550100")) == 1
    entry = AuditEntry.query.filter_by(action="subscriber.import").one()
    assert entry.actor_id == user.id
    assert (entry.details["imported"], entry.details["refused"]) == (3, 5)


def test_admin_imports_a_pre_confirmed_list_with_the_consent_note(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    make_subscriber("left@acme.example", state="unsubscribed")
    make_subscriber("here@acme.example", state="active", consent_source="page")
    make_subscriber("halfway@acme.example", state="unconfirmed")
    status, html = _upload(client, (
        "channel,address\n"
        "email,new@acme.example\n"
        "email,left@acme.example\n"
        "email,here@acme.example\n"
        "email,halfway@acme.example\n"
        "email,new@acme.example\n"
    ), pre_confirmed="y", consent_note="Customers who ticked the box in our CRM")
    assert status == 200
    errors = _errors(html)
    assert sorted(errors) == [3, 6]
    assert "does not subscribe it again" in errors[3]
    assert "line 2" in errors[6]
    subscribers = _by_address()
    new = subscribers["new@acme.example"]
    assert new.state == "active" and new.consent_source == "import"
    assert new.consent_note == "Customers who ticked the box in our CRM"
    assert subscribers["halfway@acme.example"].state == "active"
    assert subscribers["left@acme.example"].state == "unsubscribed"
    assert subscribers["here@acme.example"].consent_source == "page"  # left as it was
    assert outbox_to("new@acme.example") == []


def test_pre_confirmed_import_is_for_admins_only(client: FlaskClient,
                                                 login: LoginHelper) -> None:
    login(client, role="communicator")
    page = client.get("/console/subscribers/import").get_data(as_text=True)
    assert 'name="pre_confirmed"' not in page
    status, html = _upload(client, "channel,address\nemail,new@acme.example\n",
                           pre_confirmed="y", consent_note="trust me")
    assert status == 422
    assert "Only admins" in html
    assert _by_address() == {}


def test_pre_confirmed_import_needs_a_note(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="admin")
    status, html = _upload(client, "channel,address\nemail,new@acme.example\n",
                           pre_confirmed="y")
    assert status == 422
    assert "how and when" in field_error(html, "consent_note").lower()
    assert _by_address() == {}


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"),
    (b"email,address\nemail,a@acme.example\n", "channel is missing"),
    (b"name,phone\n", "channel and address are missing"),
])
def test_a_file_without_a_usable_header_is_refused_whole(
    client: FlaskClient, login: LoginHelper, content: bytes, message: str
) -> None:
    login(client, role="communicator")
    status, html = _upload(client, content)
    assert status == 422
    assert message in field_error(html, "file")
    assert _by_address() == {}


def test_a_missing_file_is_explained(client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    response = client.post("/console/subscribers/import", data={},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a CSV file" in field_error(response.get_data(as_text=True), "file")


def test_excel_bom_is_accepted_and_non_utf8_is_reported(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    status, html = _upload(client, "\ufeffchannel,address\r\nemail,bom@acme.example\r\n"
                           .encode("utf-8"), pre_confirmed="y", consent_note="CRM")
    assert status == 200 and "bom@acme.example" in _by_address()

    latin1 = "channel,address\nemail,ok@acme.example\nemail,zoë@acme.example\n"
    status, html = _upload(client, latin1.encode("latin-1"), pre_confirmed="y",
                           consent_note="CRM")
    assert status == 200
    errors = _errors(html)
    assert list(errors) == [3] and "not UTF-8" in errors[3]
    assert "ok@acme.example" in _by_address()


def test_export_then_import_round_trips(client: FlaskClient, login: LoginHelper,
                                        factory: Factory) -> None:
    login(client, role="admin")
    api = factory.component("API")
    make_subscriber("+14155550100", channel="sms", components=[api])
    make_subscriber("=odd@acme.example")
    exported = client.get("/console/subscribers/export.csv").get_data()
    for subscriber in db.session.query(Subscriber):
        db.session.delete(subscriber)
    db.session.commit()
    status, html = _upload(client, exported, pre_confirmed="y", consent_note="restore")
    assert status == 200 and _errors(html) == {}
    subscribers = _by_address()
    assert set(subscribers) == {"+14155550100", "=odd@acme.example"}
    assert [c.name for c in subscribers["+14155550100"].components] == ["API"]


def _import(text: str, actor: User, **options: object) -> SubscriberImport:
    """Start an import (run inline: Huey is in immediate mode) and return it as saved."""
    job = start_import(text.encode(), ImportOptions(**options), actor)  # type: ignore[arg-type]
    db.session.expire_all()
    saved = db.session.get(SubscriberImport, job.id)
    assert saved is not None
    return saved


def test_progress_is_saved_batch_by_batch(factory: Factory,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Each batch commits its rows, then the cursor and counts: the file is never re-read
    from the start, and the report survives the worker."""
    admin = factory.user(role="admin")
    get_page()
    monkeypatch.setattr(csv_rows, "IMPORT_BATCH", 2)
    monkeypatch.setattr(subscriber_import, "IMPORT_BATCH", 2)
    cursors: list[tuple[int, int, int]] = []
    real_progress = subscriber_import._progress

    def watching(import_id: int, old: int, new: int, report: ImportReport) -> bool:
        ok = real_progress(import_id, old, new, report)
        count = db.session.scalar(select(func.count(Subscriber.id)))
        cursors.append((new, report.imported, count or 0))
        return ok

    monkeypatch.setattr(subscriber_import, "_progress", watching)
    text = "channel,address\n" + "".join(f"email,s{n}@acme.example\n" for n in range(5))
    job = _import(text + "email,broken\n", admin, pre_confirmed=True, consent_note="x")
    # (cursor line, imported so far, rows in the table) after each full batch of two.
    assert cursors == [(3, 2, 2), (5, 4, 4)]
    assert (job.state, job.cursor, job.imported, job.error_count) == ("done", 7, 5, 1)
    assert job.errors == [[7, job.errors[0][1]]]
    assert job.csv_text == ""  # the file's personal data goes once the import is over


def test_a_batch_that_collides_is_saved_row_by_row(factory: Factory,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Another sign-up wins the race for one address: the rest of the batch still goes in."""
    admin = factory.user(role="admin")
    make_subscriber("raced@acme.example", state="active")
    # Pretend the batch's look-up ran before the other sign-up committed.
    monkeypatch.setattr(csv_save, "_existing", lambda rows: {})
    job = _import("channel,address\nemail,a@acme.example\nemail,raced@acme.example\n"
                  "email,b@acme.example\n", admin, pre_confirmed=True, consent_note="x")
    assert (job.imported, job.already_subscribed, job.error_count) == (2, 1, 0)
    subscribers = _by_address()
    assert set(subscribers) == {"a@acme.example", "raced@acme.example", "b@acme.example"}
    assert subscribers["raced@acme.example"].consent_source == "page"


def test_import_form_carries_its_csrf_token(database_url: str, app: object,
                                            login: LoginHelper) -> None:
    csrf_app = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    login(client, role="communicator")
    data = b"channel,address\nemail,new@acme.example\n"
    refused = client.post("/console/subscribers/import", data={
        "file": (io.BytesIO(data), "list.csv")}, content_type="multipart/form-data")
    assert refused.status_code == 400
    assert _by_address() == {}
    token = csrf_token(client, "/console/subscribers/import")
    accepted = client.post("/console/subscribers/import", data={
        "file": (io.BytesIO(data), "list.csv"), "csrf_token": token},
        content_type="multipart/form-data")
    assert accepted.status_code == 303
    assert "new@acme.example" in _by_address()
