"""Helpers for the Statuspage import tests: run the import against the fake, count rows."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import func, select

from statuspage.core.extensions import db
from statuspage.migration.client import Client
from statuspage.migration.report import Report
from statuspage.migration.run import ImportOptions, import_page
from statuspage.models import (
    Component,
    Delivery,
    FanoutEvent,
    Incident,
    IncidentUpdate,
    MessageTemplate,
    OutboxMessage,
    StatuspageLink,
    Subscriber,
)
from tests.fakes.statuspage import API_KEY, FakeStatuspage

TABLES = (Component, Incident, IncidentUpdate, MessageTemplate, Subscriber, StatuspageLink)


def run_import(fake: FakeStatuspage, *, api_key: str | None = API_KEY,
               dry_run: bool = False) -> tuple[Report, list[float]]:
    """Import the fake's page through the use-case, with a client that records its waits
    instead of sleeping (what they were is asserted; sitting through them is not)."""
    assert fake.dataset is not None
    slept: list[float] = []
    base = f"{fake.url}/v1" if api_key else fake.url
    client = Client(base, api_key, sleep=slept.append)
    report = import_page(ImportOptions(page_id=fake.dataset.page["id"], api_key=api_key,
                                       base_url=base, dry_run=dry_run), client=client)
    return report, slept


def cli(app: Flask, fake: FakeStatuspage, *args: str, key: str | None = API_KEY) -> Any:
    """`flask import-statuspage` against the fake (Manage API with a key, else public)."""
    assert fake.dataset is not None
    base = f"{fake.url}/v1" if key else fake.url
    argv = ["import-statuspage", "--page-id", fake.dataset.page["id"], "--base-url", base,
            *(("--api-key", key) if key else ()), *args]
    return app.test_cli_runner().invoke(args=argv)


def count(model: Any, *where: Any) -> int:
    return int(db.session.execute(select(func.count()).select_from(model).where(*where))
               .scalar_one())


def row_counts() -> dict[str, int]:
    return {model.__name__: count(model) for model in TABLES}


def nothing_sent() -> bool:
    """No fan-out event, delivery or dev-outbox message: nobody was told anything."""
    return count(FanoutEvent) == count(Delivery) == count(OutboxMessage) == 0
