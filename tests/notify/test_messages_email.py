"""The incident email: subject, threading headers, sanitised HTML, links and footer."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

from flask import Flask

from statuspage.incidents.lifecycle import post_update
from statuspage.incidents.maintenance import start_maintenance
from statuspage.incidents.updates import UpdateInput
from statuspage.messages import build as messages
from statuspage.notify.base import MANAGE_URL, UNSUBSCRIBE_URL
from statuspage.notify.email import SendGridChannel
from statuspage.page.record import get_page
from tests.factories import Factory
from tests.fakes.providers import FakeSendGrid
from tests.notify.events import event_for, subscriber
from tests.notify.helpers import recipient, sendgrid_config

XSS = ('Look <script>alert("x")</script> <img src=x onerror="alert(1)"> '
       '[click](javascript:alert(1)) **bold**')


def test_subject_names_page_incident_and_status(app: Flask, factory: Factory) -> None:
    incident = factory.incident(name="API errors", status="identified")
    email = messages.render_email(event_for(incident), "en")
    assert email.subject == "[Acme] API errors: Identified"


def test_maintenance_subject_says_scheduled_maintenance(app: Flask, factory: Factory) -> None:
    maintenance = factory.maintenance(name="Database upgrade", starts_in=timedelta(days=2))
    email = messages.render_email(event_for(maintenance), "en")
    assert email.subject == "[Acme] Scheduled maintenance: Database upgrade"
    assert "Scheduled for" in email.text
    started = start_maintenance(maintenance, "Starting now.", None)
    later = messages.render_email(event_for(maintenance, started), "en")
    assert later.subject == "[Acme] Scheduled maintenance: Database upgrade: In progress"


def test_all_emails_of_an_incident_share_one_thread(app: Flask, factory: Factory) -> None:
    incident = factory.incident()
    first_update = incident.public_updates[0]
    second_update = post_update(incident, UpdateInput(status="identified", body="Found it."),
                                None)
    first = messages.render_email(event_for(incident, first_update), "en")
    second = messages.render_email(event_for(incident, second_update), "en")
    root = f"<incident-{incident.public_id}@status.example.com>"
    assert first.references == second.references == [root]
    assert first.message_id == (f"<incident-{incident.public_id}-update-"
                                f"{first_update.public_id}@status.example.com>")
    assert second.message_id == (f"<incident-{incident.public_id}-update-"
                                 f"{second_update.public_id}@status.example.com>")


class _Elements(HTMLParser):
    """Every element and attribute a mail client would actually build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def test_update_markdown_is_sanitised_in_the_html_part(app: Flask, factory: Factory) -> None:
    incident = factory.incident(name='<img src=x onerror="alert(2)">', body=XSS)
    email = messages.render_email(event_for(incident), "en")
    parsed = _Elements()
    parsed.feed(email.html)
    assert "strong" in parsed.tags  # the markdown is rendered
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    assert not [v for n, v in parsed.attributes if n == "href" and "javascript" in v.lower()]
    # What was markup in the title and body is shown to the reader as text.
    assert "&lt;img src=x onerror=" in email.html
    assert "&lt;script&gt;" in email.html


def test_text_part_is_plain_and_readable(app: Flask, factory: Factory) -> None:
    incident = factory.incident(body="We are **rolling back** & <watching>.")
    email = messages.render_email(event_for(incident), "en")
    assert "We are rolling back & <watching>." in email.text
    assert "**" not in email.text and "<strong>" not in email.text


def test_email_lists_components_links_and_placeholders(app: Flask, factory: Factory) -> None:
    group = factory.group("Backend")
    api = factory.component("API")
    db_component = factory.component("Database", group=group)
    incident = factory.incident(components={api: "partial_outage",
                                            db_component: "degraded_performance"})
    email = messages.render_email(event_for(incident), "en")
    url = f"https://status.example.com/incidents/{incident.public_id}"
    for part in (email.html, email.text):
        assert "API: Partial Outage" in part
        assert "Backend - Database: Degraded Performance" in part
        assert url in part
        assert MANAGE_URL in part and UNSUBSCRIBE_URL in part
    assert f'href="{UNSUBSCRIBE_URL}"' in email.html


def test_page_footer_appears_sanitised(app: Flask, factory: Factory) -> None:
    get_page().email_footer = "Acme Inc, 1 Main St. <script>x()</script> *Thanks*"
    incident = factory.incident()
    email = messages.render_email(event_for(incident), "en")
    assert "Acme Inc, 1 Main St." in email.html and "<em>Thanks</em>" in email.html
    assert "<script" not in email.html
    assert "Acme Inc, 1 Main St." in email.text


def test_an_unknown_language_falls_back_to_english(app: Flask, factory: Factory) -> None:
    event = event_for(factory.incident())
    assert messages.render_email(event, "de").text == messages.render_email(event, "en").text


def test_each_recipient_gets_their_own_links_through_sendgrid(
        app: Flask, factory: Factory, fake_sendgrid: FakeSendGrid) -> None:
    email = messages.render_email(event_for(factory.incident()), "en")
    SendGridChannel.from_config(sendgrid_config(fake_sendgrid.url)).send_batch(
        email, [recipient(1), recipient(2)])
    body = fake_sendgrid.sends[0].json
    # Every placeholder the body uses has a per-recipient value.
    for personalization, n in zip(body["personalizations"], (1, 2), strict=True):
        assert personalization["substitutions"][UNSUBSCRIBE_URL].endswith(f"token-{n}")
        assert personalization["substitutions"][MANAGE_URL].endswith(f"token-{n}")
    assert body["headers"]["Message-ID"] == email.message_id


def test_confirmation_email_carries_the_confirm_link(app: Flask, factory: Factory) -> None:
    person = subscriber("email", "reader@example.com", None)
    email = messages.render_confirmation_email(person, "https://status.example.com/c/tok")
    assert email.subject == "[Acme] Confirm your subscription"
    assert 'href="https://status.example.com/c/tok"' in email.html
    assert "https://status.example.com/c/tok" in email.text
    assert email.message_id.startswith(f"<subscribe-{person.public_id}-")
    again = messages.render_confirmation_email(person, "https://status.example.com/c/tok")
    assert again.message_id != email.message_id
