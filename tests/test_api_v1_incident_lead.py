"""Incidents opened through the management API get a communications lead by default: the
console user who created the token, so cadence reminders are never off by omission."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.accounts.api_tokens import create_token
from statuspage.accounts.users import deactivate
from statuspage.core.extensions import db
from statuspage.models import Incident
from tests.api_v1_support import call
from tests.factories import Factory

BODY = {"incident": {"name": "Elevated API errors", "status": "investigating",
                     "impact_override": "major", "body": "Looking into it."}}


def _opened(client: FlaskClient, secret: str) -> Incident:
    response = call(client, "POST", "incidents", secret, json=BODY)
    assert response.status_code == 201, response.json
    db.session.expire_all()
    return db.session.execute(select(Incident).filter_by(
        public_id=response.json["id"])).scalar_one()  # type: ignore[index]


def test_the_token_owner_becomes_the_communications_lead(
    client: FlaskClient, factory: Factory
) -> None:
    owner = factory.user(role="admin")
    secret = create_token("deploy-bot", "write", owner).secret

    incident = _opened(client, secret)

    assert incident.comms_lead_id == owner.id
    assert incident.commander_id is None


def test_a_token_without_an_owner_leaves_the_lead_empty(
    app: Flask, client: FlaskClient, factory: Factory
) -> None:
    ownerless = create_token("cli-bot", "write", None).secret
    assert _opened(client, ownerless).comms_lead_id is None

    owner = factory.user(role="admin")
    factory.user(role="admin")  # the last admin cannot be deactivated
    secret = create_token("old-bot", "write", owner).secret
    deactivate(owner, None)
    # A deactivated owner's token opens nothing at all (tests/test_api_token_owner.py), so no
    # incident can get a lead who cannot act.
    refused = call(client, "POST", "incidents", secret, json=BODY)
    assert refused.status_code == 401
    assert len(db.session.execute(select(Incident)).scalars().all()) == 1  # the ownerless one
