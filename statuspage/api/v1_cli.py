"""`flask --app statuspage create-token NAME --scope write`: a token for deploy-time automation.

Only the token goes to standard output, so a script can capture it
(`TOKEN=$(flask --app statuspage create-token deploy --scope write)`); the explanation goes
to standard error.
"""

from __future__ import annotations

import click

from statuspage.accounts import api_tokens
from statuspage.core.errors import DomainError
from statuspage.models import SCOPES


@click.command("create-token")
@click.argument("name")
@click.option("--scope", type=click.Choice(SCOPES), default="read", show_default=True,
              help="read: GET requests only; write: also create and update.")
def create_token_command(name: str, scope: str) -> None:
    """Create an API token for the management API and print it (shown once)."""
    try:
        created = api_tokens.create_token(name, scope, None)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Created {scope} token “{created.token.name}”. It is shown once; store it now.",
               err=True)
    click.echo(created.secret)
