"""Email addresses the provider can take (issue 10, item 10a, at subscribe time).

SendGrid refuses a whole send call over one address with a non-ASCII local part or a domain
not in ASCII (A-label) form. Every way in (public form, console add, CSV import, stakeholder
email) goes through subscription_addresses.normalise_email, which stores the domain as its
punycode A-label and refuses a non-ASCII local part with a field error saying why.
"""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from flask import Flask
from flask.testing import FlaskClient

from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.notify.addresses import lenient, normalise_email
from tests.console.conftest import LoginHelper
from tests.console.conftest_content import field_error
from tests.subscription_support import outbox

REFUSAL = "before the @"


@pytest.mark.parametrize(("typed", "stored"), [
    ("user@bücher.example", "user@xn--bcher-kva.example"),
    (" User@BÜCHER.Example ", "user@xn--bcher-kva.example"),
    ("a@xn--mnchen-3ya.de", "a@xn--mnchen-3ya.de"),
    ("x@\uff25\uff38\uff21\uff2d\uff30\uff2c\uff25.com", "x@example.com"),  # full-width
    ("Ann@Acme.example", "ann@acme.example"),
])
def test_addresses_are_stored_in_the_form_the_provider_takes(app: Flask, typed: str,
                                                               stored: str) -> None:
    assert normalise_email(typed) == stored
    assert stored.isascii()


@pytest.mark.parametrize("typed", ["jörg@example.com", "用户@例子.广告", "\ufb01le@example.com"])
def test_a_non_ascii_local_part_is_refused_with_a_clear_message(app: Flask, typed: str) -> None:
    with pytest.raises(DomainError) as caught:
        normalise_email(typed)
    assert caught.value.field == "address"
    assert REFUSAL in caught.value.message


def test_lookups_find_an_address_typed_with_its_unicode_domain(app: Flask) -> None:
    assert lenient("email", "User@Bücher.example", []) == "user@xn--bcher-kva.example"
    assert lenient("email", "not an address", []) == "not an address"


def _signup(client: FlaskClient, address: str) -> tuple[int, str]:
    response = client.post("/subscribe", data={"channel": "email", "address": address},
                           environ_base={"REMOTE_ADDR": "203.0.113.5"})
    return response.status_code, response.get_data(as_text=True)


def test_the_public_form_refuses_a_non_ascii_local_part(client: FlaskClient) -> None:
    status, html = _signup(client, "jörg@example.com")
    assert status == 400
    assert REFUSAL in unescape(html)
    assert db.session.query(Subscriber).count() == 0
    assert outbox() == []


def test_the_public_form_stores_an_idn_domain_as_punycode(client: FlaskClient) -> None:
    status, _ = _signup(client, "Anna@Bücher.example")
    assert status in (200, 303)
    [subscriber] = db.session.query(Subscriber).all()
    assert subscriber.address == "anna@xn--bcher-kva.example"
    [sent] = outbox("email")
    assert sent.to == "anna@xn--bcher-kva.example"
    # Typing it the Unicode way again finds the same subscriber.
    _signup(client, "anna@bücher.example")
    assert db.session.query(Subscriber).count() == 1


def test_the_console_refuses_a_non_ascii_local_part(client: FlaskClient,
                                                    login: LoginHelper) -> None:
    login(client, role="communicator")
    response = client.post("/console/subscribers/new", data={
        "channel": "email", "address": "jörg@example.com", "language": "en"})
    assert response.status_code == 422
    assert REFUSAL in field_error(response.get_data(as_text=True), "address")
    assert db.session.query(Subscriber).count() == 0


def test_an_import_refuses_the_row_and_stores_idn_domains_as_punycode(
        client: FlaskClient, login: LoginHelper) -> None:
    login(client, role="communicator")
    text = ("Channel,Address\n"
            "email,jörg@example.com\n"
            "email,Eva@Bücher.example\n")
    response = client.post("/console/subscribers/import", data={
        "file": (io.BytesIO(text.encode()), "list.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    errors = {int(line): unescape(message)
              for line, message in re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", html)}
    assert list(errors) == [2]
    assert REFUSAL in errors[2]
    db.session.expire_all()
    assert [s.address for s in db.session.query(Subscriber)] == ["eva@xn--bcher-kva.example"]
