"""Markdown read as text for email text parts: the shape of the body survives, markup does not."""

from __future__ import annotations

from flask import Flask

from statuspage.core.markdown_text import markdown_text
from statuspage.core.rendering import plain_text
from statuspage.messages import build as messages
from tests.factories import Factory
from tests.notify.events import event_for

BODY = """## What we know

Payments fail for **some** customers.
Orders already placed are safe.

We are:

- failing over the database
- checking the [payment provider](https://status.pay.example.com)
  - its API
  - its webhooks

1. Wait
2. Retry

Write to <ops@example.com> or see `status --all`.

> Quoted from the provider.

```
ERROR 503  upstream
  retrying
```
"""


def test_paragraphs_lists_headings_links_and_code_keep_their_lines() -> None:
    assert markdown_text(BODY) == """What we know

Payments fail for some customers.
Orders already placed are safe.

We are:

- failing over the database
- checking the payment provider (https://status.pay.example.com)
  - its API
  - its webhooks

1. Wait
2. Retry

Write to ops@example.com or see status --all.

> Quoted from the provider.

ERROR 503  upstream
  retrying"""


def test_ordered_lists_keep_their_numbers_and_loose_lists_their_space() -> None:
    assert markdown_text("3. three\n4. four") == "3. three\n4. four"
    assert markdown_text("- one\n\n- two") == "- one\n\n- two"


def test_entities_are_text_and_unsafe_links_keep_only_their_text() -> None:
    assert markdown_text("Tom &amp; Jerry <b>x</b> [a](javascript:alert(1))") == \
        "Tom & Jerry <b>x</b> [a](javascript:alert(1))"
    assert markdown_text("[file](ftp://example.com/x) [site](/history)") == "file site"


def test_sms_text_keeps_a_links_text_without_its_url() -> None:
    assert markdown_text("See [the status](https://x.example.com).", link_urls=False) == \
        "See the status."


def test_plain_text_is_the_same_text_escaped_for_html() -> None:
    assert plain_text("- a < b\n- c & d") == "- a &lt; b\n- c &amp; d"


def test_an_email_text_part_keeps_the_bodys_paragraphs_and_list_markers(
        app: Flask, factory: Factory) -> None:
    incident = factory.incident(name="Checkout errors", body=BODY)

    text = messages.render_email(event_for(incident), "en").text

    assert "What we know\n\nPayments fail for some customers.\n" in text
    assert "\n- failing over the database\n- checking the payment provider " \
           "(https://status.pay.example.com)\n  - its API\n" in text
    assert "\n1. Wait\n2. Retry\n" in text
