"""A subscriber's own pages: manage (components, unsubscribe), RFC 8058 one-click unsubscribe."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from statuspage.core import tokens
from statuspage.core.extensions import db
from statuspage.models import Subscriber
from statuspage.subscriptions import leaving
from statuspage.subscriptions import subscribe as subscriptions
from tests.conftest import make_app
from tests.factories import Factory
from tests.subscription_support import link_in, outbox, path_of, reloaded, token_of


def _active(address: str = "ana@example.com") -> Subscriber:
    subscriber = subscriptions.subscribe("email", address, [], "en", "203.0.113.5")
    subscriptions.confirm_email(token_of(link_in(outbox("email", address)[-1].body,
                                                 "/subscribe/confirm/")))
    return reloaded(subscriber)


def _manage(subscriber: Subscriber) -> str:
    return path_of(subscriptions.manage_url(subscriber))


def _unsubscribe(subscriber: Subscriber) -> str:
    return path_of(subscriptions.unsubscribe_url(subscriber))


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_manage_page_changes_the_components(client: FlaskClient, factory: Factory) -> None:
    europe = factory.group("Europe")
    paris = factory.component("Paris", group=europe)
    api = factory.component("API")
    subscriber = _active()
    subscriptions.change_components(subscriber, [api.id])
    html = client.get(_manage(subscriber)).get_data(as_text=True)
    assert "ana@example.com" in html and "Subscribed." in html
    assert re.search(rf'value="{api.id}" checked', html)
    assert not re.search(rf'value="{paris.id}" checked', html)
    response = client.post(_manage(subscriber), data={"components": [str(paris.id)]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("?notice=updated")
    assert [c.id for c in reloaded(subscriber).components] == [paris.id]
    assert "Your choice of components is saved." in client.get(
        response.headers["Location"]).get_data(as_text=True)
    refused = client.post(_manage(subscriber), data={"components": ["99999"]})
    assert refused.status_code == 400
    assert "Choose components from the list." in refused.get_data(as_text=True)


def test_manage_page_unsubscribes_and_subscribes_again(client: FlaskClient) -> None:
    subscriber = _active()
    response = client.post(f"{_manage(subscriber)}/unsubscribe")
    assert response.status_code == 303
    assert reloaded(subscriber).state == "unsubscribed"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You are unsubscribed" in html and "Subscribe again" in html
    again = client.post(f"{_manage(subscriber)}/resubscribe")
    assert again.status_code == 303
    after = reloaded(subscriber)
    assert after.state == "active" and after.consent_source == "manage"


def test_a_bounced_address_cannot_restart_itself_from_the_manage_page(
    client: FlaskClient
) -> None:
    subscriber = _active()
    leaving.suppress(subscriber, "bounce")
    html = client.get(_manage(subscriber)).get_data(as_text=True)
    assert "Subscribe again" not in html
    assert client.post(f"{_manage(subscriber)}/resubscribe").status_code == 400
    assert reloaded(subscriber).state == "suppressed"


def test_links_of_a_previous_subscription_no_longer_work(client: FlaskClient) -> None:
    subscriber = _active()
    old_manage, old_unsubscribe = _manage(subscriber), _unsubscribe(subscriber)
    leaving.unsubscribe(subscriber)
    subscriptions.subscribe("email", "ana@example.com", [], "en", None)  # a new consent
    for path in (old_manage, old_unsubscribe):
        response = client.get(path)
        assert response.status_code == 400
        assert "no longer valid" in response.get_data(as_text=True)
    assert client.post(old_unsubscribe).status_code == 400
    assert reloaded(subscriber).state == "unconfirmed"


def test_link_of_a_deleted_subscriber_is_404(client: FlaskClient) -> None:
    subscriber = _active()
    path = _manage(subscriber)
    db.session.delete(subscriber)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 404
    assert "no longer exists" in response.get_data(as_text=True)


def test_unsubscribe_get_only_shows_a_button(client: FlaskClient) -> None:
    subscriber = _active()
    response = client.get(_unsubscribe(subscriber))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="List-Unsubscribe" value="One-Click"' in html
    assert reloaded(subscriber).state == "active"


def test_one_click_post_needs_no_cookie_login_or_csrf_token(
    app: Flask, database_url: str
) -> None:
    subscriber = _active()
    strict = make_app(database_url, WTF_CSRF_ENABLED=True)
    client = strict.test_client(use_cookies=False)
    response = client.post(_unsubscribe(subscriber), data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    after = reloaded(subscriber)
    assert after.state == "unsubscribed" and after.suppression_reason == "user"
    # A mailbox provider may retry: the second POST is just as fine.
    assert client.post(_unsubscribe(subscriber), data={"List-Unsubscribe": "One-Click"}
                       ).status_code == 200


def test_one_click_accepts_a_multipart_body(app: Flask, database_url: str) -> None:
    subscriber = _active()
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client(use_cookies=False)
    response = client.post(_unsubscribe(subscriber), data={"List-Unsubscribe": "One-Click"},
                           content_type="multipart/form-data")
    assert response.status_code == 200
    assert reloaded(subscriber).state == "unsubscribed"


def test_manage_forms_are_csrf_protected(app: Flask, database_url: str) -> None:
    subscriber = _active()
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    forged = client.post(f"{_manage(subscriber)}/unsubscribe")
    assert forged.status_code == 400
    assert reloaded(subscriber).state == "active"
    html = client.get(_manage(subscriber)).get_data(as_text=True)
    real = client.post(f"{_manage(subscriber)}/unsubscribe", data={"csrf_token": _csrf(html)})
    assert real.status_code == 303
    assert reloaded(subscriber).state == "unsubscribed"


def test_confirm_and_code_forms_work_with_csrf_on(app: Flask, database_url: str) -> None:
    client = make_app(database_url, WTF_CSRF_ENABLED=True).test_client()
    html = client.get("/subscribe").get_data(as_text=True)
    response = client.post("/subscribe", data={"csrf_token": _csrf(html), "channel": "email",
                                               "address": "ana@example.com"})
    assert response.status_code == 303
    path = path_of(link_in(outbox("email")[0].body, "/subscribe/confirm/"))
    assert client.post(path).status_code == 400  # no token: refused
    token = _csrf(client.get(path).get_data(as_text=True))
    assert client.post(path, data={"csrf_token": token}).status_code == 303
    assert subscriptions.find_subscriber("email", "ana@example.com").state == "active"


def test_list_unsubscribe_header_of_an_incident_email_unsubscribes(
    client: FlaskClient, factory: Factory
) -> None:
    subscriber = _active()
    factory.incident("Checkout is down")
    mail = next(m for m in outbox("email", "ana@example.com") if "Checkout" in m.subject)
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = mail.headers["List-Unsubscribe"].strip("<>")
    assert url.startswith("https://status.example.com/unsubscribe/")
    assert client.post(path_of(url), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert reloaded(subscriber).state == "unsubscribed"
    # And the manage link in the body leads to this subscriber's page.
    manage = link_in(mail.body, "/manage/")
    assert tokens.read_token(tokens.MANAGE, token_of(manage))[0] == subscriber.public_id
