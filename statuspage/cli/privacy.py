"""`flask subscriber export ADDRESS` and `flask subscriber erase ADDRESS`: the console's
privacy actions for operators (statuspage.privacy), and `flask apply-retention` to run the
periodic retention task's work now. Audited as done by "cli"."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from statuspage import audit
from statuspage.core.errors import DomainError
from statuspage.privacy import erase, export, retention
from statuspage.privacy.person import Person, label, person


def _person(address: str) -> Person:
    try:
        return person(address)
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="ADDRESS") from None


@click.group("subscriber")
def subscriber_group() -> None:
    """Export or erase everything held about one email address or phone number."""


@subscriber_group.command("export")
@click.argument("address")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the JSON here (readable by its owner only) instead of stdout.")
def export_command(address: str, output: Path | None) -> None:
    """Print (or write) everything held about ADDRESS as JSON."""
    who = _person(address)
    with audit.acting_as("cli"):
        document = export.export_person(who, None)
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
        return
    fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    click.echo(f"Wrote what is held about {who.masked} to {output}.", err=True)


@subscriber_group.command("erase")
@click.argument("address")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_command(address: str, yes: bool) -> None:
    """Erase everything held about ADDRESS (an opt-out keeps holding through a hash)."""
    who = _person(address)
    if not yes:
        click.confirm(f"Erase everything held about {label(who)}? This cannot be undone",
                      abort=True)
    with audit.acting_as("cli"):
        done = erase.erase_person(who, None)
    if done.erased:
        click.echo(f"Erased {who.masked} (subscription: {done.subscription or 'none'}, "
                   f"stakeholder memberships: {done.memberships}).")
    else:
        click.echo(f"Nothing personal is held about {who.masked}"
                   f"{' (erased before)' if done.subscription else ''}.")


@click.command("apply-retention")
def apply_retention_command() -> None:
    """Apply DELIVERY_RETENTION_DAYS and UNSUBSCRIBED_RETENTION_DAYS now (hourly otherwise)."""
    run = retention.apply_retention()
    click.echo(json.dumps(asdict(run)))
