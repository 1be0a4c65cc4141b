"""`flask import-statuspage`: bring a page over from Atlassian Statuspage (statuspage.migration).

Progress goes to stderr (bars where the total is known, a count where it is not), the report
to stdout. The API key may come from STATUSPAGE_API_KEY instead of --api-key, which keeps it
out of shell history and the process list.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import click

from statuspage.migration.client import SourceError
from statuspage.migration.run import ImportOptions, import_page

# What a page id may look like: it goes into the API's paths.
PAGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class BarProgress:
    """statuspage.migration.progress.Progress drawn with click on stderr."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._label = ""
        self._count = 0

    def begin(self, label: str, total: int | None = None) -> None:
        self.end()
        self._label, self._count = label, 0
        if total is not None:
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr,
                                          show_pos=True)
            self._bar.__enter__()

    def advance(self, count: int = 1) -> None:
        self._count += count
        if self._bar is not None:
            self._bar.update(count)
        elif sys.stderr.isatty():
            click.echo(f"\r{self._label}: {self._count}", nl=False, err=True)

    def end(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
        elif self._label:
            prefix = "\r" if sys.stderr.isatty() else ""
            click.echo(f"{prefix}{self._label}: {self._count}", err=True)
        self._bar, self._label = None, ""


@click.command("import-statuspage")
@click.option("--page-id", required=True, help="The Statuspage page id (12 characters).")
@click.option("--api-key", envvar="STATUSPAGE_API_KEY", default=None,
              help="A Statuspage API key (or STATUSPAGE_API_KEY). Without one, only what "
                   "the page shows publicly is imported: components and recent history.")
@click.option("--base-url", default=None,
              help="With a key: the Manage API's base URL (https://api.statuspage.io/v1). "
                   "Without: the page's own URL (https://<page id>.statuspage.io).")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; write nothing.")
def import_statuspage_command(page_id: str, api_key: str | None, base_url: str | None,
                              dry_run: bool) -> None:
    """Copy components, incidents, maintenances, templates and subscribers from Statuspage.

    Nothing is sent to anyone. Running it again updates what changed at Statuspage instead
    of adding it twice.
    """
    page_id = page_id.strip()
    if not PAGE_ID.fullmatch(page_id):
        raise click.BadParameter("a Statuspage page id is letters and digits, such as "
                                 "kctbh9vrtdwd.", param_hint="--page-id")
    if base_url is not None and not base_url.startswith(("https://", "http://")):
        raise click.BadParameter("give a full URL starting with https://.",
                                 param_hint="--base-url")
    options = ImportOptions(page_id=page_id, api_key=api_key or None, base_url=base_url,
                            dry_run=dry_run)
    try:
        report = import_page(options, BarProgress())
    except SourceError as error:
        raise click.ClickException(f"{error.message} Nothing was imported.") from None
    for line in report.lines():
        click.echo(line)
