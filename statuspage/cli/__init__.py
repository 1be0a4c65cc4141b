"""Flask CLI commands: seed the demo page, create the first admin, create an API token, back up
and restore, export the page as JSON, import a page from Statuspage, export or erase one
subscriber, apply retention, send a test error."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from statuspage.accounts.users import create_user, find_user
from statuspage.api.v1_cli import create_token_command
from statuspage.cli.backup_commands import backup_command, restore_command
from statuspage.cli.demo import seed_demo
from statuspage.cli.diagnostics import send_test_error_command
from statuspage.cli.export import export_page_command
from statuspage.cli.privacy import apply_retention_command, subscriber_group
from statuspage.cli.statuspage_import import import_statuspage_command
from statuspage.core.errors import DomainError
from statuspage.core.extensions import db
from statuspage.models import User


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(create_admin_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(export_page_command)
    app.cli.add_command(import_statuspage_command)
    app.cli.add_command(subscriber_group)
    app.cli.add_command(apply_retention_command)
    app.cli.add_command(send_test_error_command)


@click.command("seed-demo")
def seed_demo_command() -> None:
    """On an empty database, seed a demo page and an admin; print the login once."""
    if db.session.execute(select(func.count(User.id))).scalar():
        click.echo("Database already has users; demo not seeded.")
        return
    seed_demo()
    _create_admin()


@click.command("create-admin")
def create_admin_command() -> None:
    """Create an admin from ADMIN_EMAIL / ADMIN_PASSWORD (a password is generated if unset)."""
    _create_admin()


def _create_admin() -> None:
    email = os.environ.get("ADMIN_EMAIL") or "admin@example.com"
    if find_user(email) is not None:
        click.echo(f"Admin {email} already exists.")
        return
    try:
        user, password = create_user(email, "Admin", "admin", os.environ.get("ADMIN_PASSWORD"),
                                     None)
    except DomainError as exc:
        name = "ADMIN_PASSWORD" if exc.field == "password" else "ADMIN_EMAIL"
        raise click.ClickException(f"{name}: {exc.message}") from None
    base = current_app.config["PUBLIC_BASE_URL"]
    click.echo("")
    click.echo(f"  Console:  {base}/console")
    click.echo(f"  Email:    {user.email}")
    if os.environ.get("ADMIN_PASSWORD"):
        click.echo("  Password: (from ADMIN_PASSWORD)")
    else:
        click.echo(f"  Password: {password}   (shown once; change it in the console)")
    click.echo("")
