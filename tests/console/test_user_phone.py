"""A console user's mobile phone (where cadence reminders also go by SMS): set by an admin on
the user's page or by the user on their account page, normalised to E.164, refused when bad."""

from __future__ import annotations

from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import AuditEntry
from tests.console.conftest import LoginHelper
from tests.factories import Factory


def test_admin_sets_a_users_phone_normalised_to_e164(
    client: FlaskClient, login: LoginHelper, factory: Factory,
) -> None:
    login(client, role="admin")
    user = factory.user(role="communicator")

    response = client.post(f"/console/users/{user.id}/phone", data={"phone": "+44 7911 123456"})

    assert response.status_code == 302
    db.session.refresh(user)
    assert user.phone == "+447911123456"
    assert "+447911123456" in client.get(f"/console/users/{user.id}").get_data(as_text=True)
    entry = AuditEntry.query.filter_by(action="user.phone_change").one()
    assert entry.details["phone"] == "set"  # whether, not which: no number in the log


def test_a_bad_phone_is_refused_with_a_message_and_kept_in_the_form(
    client: FlaskClient, login: LoginHelper, factory: Factory,
) -> None:
    login(client, role="admin")
    user = factory.user(role="communicator", phone="+447911123456")

    response = client.post(f"/console/users/{user.id}/phone", data={"phone": "+44 12"})

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This is not a valid phone number." in html
    assert 'value="+44 12"' in html
    db.session.refresh(user)
    assert user.phone == "+447911123456"


def test_an_empty_phone_clears_it(
    client: FlaskClient, login: LoginHelper, factory: Factory,
) -> None:
    login(client, role="admin")
    user = factory.user(role="communicator", phone="+447911123456")

    assert client.post(f"/console/users/{user.id}/phone", data={"phone": " "}).status_code == 302

    db.session.refresh(user)
    assert user.phone is None


def test_a_user_sets_their_own_phone_on_the_account_page(
    client: FlaskClient, login: LoginHelper,
) -> None:
    me = login(client, role="viewer")
    assert 'name="phone"' in client.get("/console/account").get_data(as_text=True)

    refused = client.post("/console/account/phone", data={"phone": "not a number"})
    assert refused.status_code == 422
    assert "country code" in refused.get_data(as_text=True)

    assert client.post("/console/account/phone",
                       data={"phone": "+1 415 555 2671"}).status_code == 302
    db.session.refresh(me)
    assert me.phone == "+14155552671"
