"""The internal incident view opens by its link alone: a console session neither grants nor
takes anything (anonymous, viewer, communicator and admin get the same answers)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import StakeholderMember
from statuspage.plan import internal_links
from statuspage.plan.stakeholder_members import MemberInput
from tests.console.conftest import LoginHelper
from tests.factories import Factory
from tests.stakeholder_support import group_with


@pytest.mark.parametrize("role", ["anonymous", "viewer", "communicator", "admin"])
def test_the_link_alone_decides_for_every_role(
    client: FlaskClient, factory: Factory, login: LoginHelper, role: str,
) -> None:
    group_with("Executives", MemberInput("Ada", "ada@example.com"))
    member = db.session.execute(db.select(StakeholderMember)).scalar_one()
    incident = factory.incident(name="Checkout down", severity="SEV1")
    other = factory.incident(name="Another incident")
    path = urlsplit(internal_links.internal_url(member.public_id, incident.public_id)).path
    if role != "anonymous":
        login(client, role)

    valid = client.get(path)
    # The console cannot stand in for the token: the other incident stays closed.
    guessed = client.get(path.replace(incident.public_id, other.public_id))

    assert valid.status_code == 200 and "Checkout down" in valid.get_data(as_text=True)
    assert guessed.status_code == 403
    assert "Another incident" not in guessed.get_data(as_text=True)
