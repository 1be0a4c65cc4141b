"""Helpers for the alert intake tests: the documented payloads, sources, mappings, posting."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from statuspage.alerts.mappings import MappingInput, create_mapping
from statuspage.alerts.sources import create_source
from statuspage.core.extensions import db
from statuspage.models import (
    AlertMapping,
    AlertMatch,
    AlertProposal,
    AlertSource,
    AuditEntry,
    AutomaticStatus,
    Component,
    Incident,
    OutboxMessage,
    ReceivedAlert,
)

FIXTURES = Path(__file__).parent / "fixtures" / "alerts"


def documented(name: str) -> dict[str, Any]:
    """A fixture's payload (a fresh copy each time)."""
    data = json.loads((FIXTURES / f"{name}.json").read_text())
    assert data["source"], "every fixture names its source"
    return copy.deepcopy(data["payload"])


def resolved(payload: dict[str, Any], ends_at: str = "2024-05-01T10:20:00Z") -> dict[str, Any]:
    """The same group's notification once every alert resolved, as the senders write it."""
    done = copy.deepcopy(payload)
    done["status"] = "resolved"
    for alert in done["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = ends_at
    return done


def source(kind: str = "alertmanager", name: str | None = None,
           severity: str = "SEV3") -> tuple[AlertSource, str]:
    """A new source and its clear token."""
    created = create_source(name or f"{kind} production", kind, severity, None)
    return created.source, created.secret


def mapping(label: str, component: Component, severity: str = "SEV2",
            status: str = "partial_outage", automatic: bool = False,
            source_id: int | None = None) -> AlertMapping:
    return create_mapping(MappingInput(label=label, component_id=component.id, severity=severity,
                                       component_status=status, automatic=automatic,
                                       source_id=source_id), None)


def post(client: FlaskClient, kind: str, payload: Any, token: str | None,
         headers: dict[str, str] | None = None, query: str = "") -> TestResponse:
    """POST a payload as a sender would (JSON, the token as a bearer credential)."""
    sent = dict(headers or {})
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(f"/hooks/alerts/{kind}{query}", data=body, headers=sent,
                       content_type="application/json")


def grafana_signature(secret: str, body: bytes, timestamp: str | None = None) -> str:
    """Grafana's X-Grafana-Alerting-Signature (grafana/alerting http/hmac.go)."""
    signed = body if timestamp is None else timestamp.encode() + b":" + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def counts() -> dict[str, int]:
    """Rows in every table intake writes (and the audit log, incidents, outbox)."""
    tables = {"alerts": ReceivedAlert, "matches": AlertMatch, "proposals": AlertProposal,
              "holds": AutomaticStatus, "audit": AuditEntry, "incidents": Incident,
              "outbox": OutboxMessage}
    found = {name: db.session.scalar(select(func.count()).select_from(model)) or 0
             for name, model in tables.items()}
    db.session.rollback()
    return found


def proposals() -> list[AlertProposal]:
    return list(db.session.scalars(select(AlertProposal).order_by(AlertProposal.id)))
