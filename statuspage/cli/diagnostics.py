"""`flask send-test-error`: prove error reporting works, end to end, from this machine.

It raises and logs one error, as a failing request or task would, then waits until the SDK
has sent it. The message names a made-up address, so the event that arrives also shows the
scrubbing (statuspage.core.error_events): the address reaches Sentry masked.
"""

from __future__ import annotations

import logging

import click
from flask import current_app

from statuspage.core import error_reporting

log = logging.getLogger(__name__)
MESSAGE = "statuspage test error (flask send-test-error) about test.person@example.com"


@click.command("send-test-error")
def send_test_error_command() -> None:
    """Report one test error to SENTRY_DSN and wait until it is sent."""
    if not current_app.config.get("SENTRY_DSN"):
        raise click.ClickException("SENTRY_DSN is not set: errors are not reported anywhere")
    try:
        raise RuntimeError(MESSAGE)
    except RuntimeError:
        log.exception("send-test-error: a test error, as asked")
    error_reporting.close(timeout=10)
    click.echo("Sent. Look for 'statuspage test error' in your Sentry project "
               "(the address in it arrives masked).")
