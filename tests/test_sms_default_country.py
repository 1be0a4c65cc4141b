"""The page's default SMS country: national numbers read in it, set in the settings, said on
the subscribe form, used for stakeholder members' phones too."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from statuspage.core.extensions import db
from statuspage.models import Page
from statuspage.notify.addresses import allowed_regions, default_region
from statuspage.page.record import get_page
from statuspage.plan.stakeholder_members import MemberInput, add_member
from statuspage.plan.stakeholders import create_group
from statuspage.subscriptions import subscribe as subscriptions
from tests.console.conftest_content import as_role, field_error
from tests.console.test_settings import VALID
from tests.factories import Factory

NORWEGIAN_MOBILE = "412 34 567"


def _countries(allowed: str = "US,CA,GB,NO", default: str = "NO") -> None:
    page = get_page()
    page.sms_allowed_countries, page.sms_default_country = allowed, default
    db.session.commit()


def _signup(client: FlaskClient, address: str) -> TestResponse:
    return client.post("/subscribe", data={"channel": "sms", "address": address},
                       environ_base={"REMOTE_ADDR": "203.0.113.5"})


def test_a_national_number_is_read_in_the_default_country(client: FlaskClient) -> None:
    _countries(default="NO")

    response = _signup(client, NORWEGIAN_MOBILE)

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/subscribe/sms/")
    assert subscriptions.find_subscriber("sms", "+4741234567") is not None


def test_without_a_default_a_national_number_is_read_in_the_first_allowed_country(
        client: FlaskClient) -> None:
    _countries(default="")

    response = _signup(client, NORWEGIAN_MOBILE)  # not a valid US number

    assert response.status_code == 400
    assert subscriptions.find_subscriber("sms", "+4741234567") is None
    assert _signup(client, "(415) 555-2671").status_code == 303


def test_numbers_outside_the_allowed_countries_are_refused(client: FlaskClient) -> None:
    _countries(allowed="US,NO", default="NO")

    response = _signup(client, "+44 7911 123456")

    assert response.status_code == 400
    assert "We can only send text messages to numbers in" in response.get_data(as_text=True)


def test_a_default_no_longer_allowed_falls_back_to_the_first_allowed(app: Flask) -> None:
    _countries(allowed="US,GB", default="NO")

    assert default_region(get_page()) == "US"
    _countries(allowed="US,GB,NO", default="NO")
    assert allowed_regions(get_page()) == ["NO", "US", "GB"]


@pytest.mark.parametrize(("lang", "hint"), [
    ("en", "Numbers without a country code are read as Norway (+47)."),
    ("nb", "Nummer uten landskode leses som Norge (+47)."),
])
def test_the_subscribe_form_says_how_national_numbers_are_read(
        client: FlaskClient, lang: str, hint: str) -> None:
    _countries(default="NO")

    html = client.get(f"/subscribe?channel=sms&lang={lang}").get_data(as_text=True)

    assert hint in html


def test_stakeholder_member_phones_use_the_default_country(app: Flask) -> None:
    _countries(default="NO")
    group = create_group("Executives", "", None)

    member = add_member(group, MemberInput("Kari", phone=NORWEGIAN_MOBILE), None)

    assert member.phone == "+4741234567"


def test_the_settings_offer_the_allowed_countries_and_save_the_default(
        client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "admin")

    html = client.get("/console/settings").get_data(as_text=True)
    assert '<select id="sms_default_country" name="sms_default_country">' in html
    assert '<option value="NO">Norway (+47)</option>' in html
    assert "The first allowed country (United States (+1))" in html

    response = client.post("/console/settings", data={**VALID, "sms_default_country": "se"})

    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Page, get_page().id).sms_default_country == "SE"


def test_a_default_country_that_is_not_allowed_is_refused(
        client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "admin")

    response = client.post("/console/settings", data={**VALID, "sms_default_country": "GB"})

    assert response.status_code == 422
    assert "Choose one of the countries" in field_error(response.get_data(as_text=True),
                                                        "sms_default_country")
    db.session.expire_all()
    assert db.session.get(Page, get_page().id).sms_default_country == ""


def test_only_admins_change_the_default_country(client: FlaskClient,
                                                factory: Factory) -> None:
    as_role(client, factory, "communicator")

    response = client.post("/console/settings", data={**VALID, "sms_default_country": "NO"})

    assert response.status_code == 403
    assert get_page().sms_default_country == ""
