"""The internal incident view: a stakeholder member's own signed, expiring link opens the
incident with its internal and public updates, even while it awaits approval; it is private
(never cached, never indexed) and refuses links that open nothing with a clear page."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from statuspage.core.extensions import db
from statuspage.incidents.lifecycle import IncidentInput, open_incident, post_update
from statuspage.incidents.updates import UpdateInput
from statuspage.models import Incident, PlanSetting, StakeholderMember
from statuspage.plan import internal_links, yaml_io
from statuspage.plan import save as plan_save
from statuspage.plan.stakeholder_members import MemberInput, remove_member
from tests.factories import Factory
from tests.stakeholder_support import group_with

ADA = MemberInput("Ada", "ada@example.com", "+12025550143")
BOB = MemberInput("Bob", "bob@example.com", "", "nb")
PUBLIC_TEXT = "Checkout is failing for some customers."
INTERNAL_TEXT = "Root cause: the payments deploy at 14:02."


def _member(name: str = "Ada") -> StakeholderMember:
    return db.session.execute(
        db.select(StakeholderMember).filter_by(name=name)).scalar_one()


def _path(member: StakeholderMember, incident: Incident, now: float | None = None) -> str:
    return urlsplit(internal_links.internal_url(member.public_id, incident.public_id, now)).path


def _incident(factory: Factory) -> Incident:
    group_with("Executives", ADA, BOB)
    api = factory.component("API")
    incident = factory.incident(name="Checkout down", severity="SEV1", body=PUBLIC_TEXT,
                                components={api: "major_outage"})
    post_update(incident, UpdateInput(status="identified", body=INTERNAL_TEXT,
                                      visibility="internal"), None)
    return incident


def test_a_members_link_shows_internal_and_public_updates_severity_and_components(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = _incident(factory)
    plan_save.seed_default_plan()
    db.session.execute(update(PlanSetting).where(PlanSetting.severity == "SEV1")
                       .values(definition="Checkout or login down for all customers"))
    db.session.commit()

    page = client.get(_path(_member(), incident))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for expected in ("Checkout down", "SEV1", "Checkout or login down for all customers",
                     "Identified", "API", "Major Outage", PUBLIC_TEXT, INTERNAL_TEXT,
                     '<span class="tag">Internal</span>', "Ada", "Executives",
                     f'href="https://status.example.com/incidents/{incident.public_id}"'):
        assert expected in html, expected
    # The internal update is marked, the public one is not: one "Internal" tag.
    assert html.count('<span class="tag">Internal</span>') == 1
    assert INTERNAL_TEXT not in client.get(f"/incidents/{incident.public_id}").get_data(
        as_text=True)


def test_an_incident_awaiting_approval_opens_with_what_is_not_public_yet(
    client: FlaskClient, factory: Factory,
) -> None:
    group_with("Executives", ADA)
    plan_save.seed_default_plan()
    yaml_io.import_yaml(yaml_io.export_yaml().replace("approval: false", "approval: true"), None)
    api = factory.component("API")
    incident = open_incident(IncidentInput(name="Checkout down", severity="SEV1", update=(
        UpdateInput(status="investigating", body=PUBLIC_TEXT,
                    component_statuses={api.id: "major_outage"}))),
        factory.user(role="communicator"))
    assert incident.awaiting_approval
    assert client.get(f"/incidents/{incident.public_id}").status_code == 404

    page = client.get(_path(_member(), incident))

    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for expected in ("Not public yet", "A public update is awaiting approval", PUBLIC_TEXT,
                     "API: Operational → Major Outage", "Awaiting approval",
                     "The public incident page is not published yet.",
                     "No updates have been published yet."):
        assert expected in html, expected
    assert "/incidents/" not in html


def _forged(path: str) -> str:
    head, signature = path.rsplit(".", 1)
    return f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"


def _other_incident(path: str, other: Incident) -> str:
    member, _, expires, signature = path.rsplit("/", 1)[1].split(".")
    return f"/internal/{member}.{other.public_id}.{expires}.{signature}"


def test_links_that_open_nothing_are_refused_with_a_clear_private_page(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = _incident(factory)
    other = factory.incident(name="Another incident")
    ada = _member()
    valid = _path(ada, incident)
    expired = _path(ada, incident, now=time.time() - internal_links.VALID_SECONDS - 60)
    refusals = {
        "forged": (_forged(valid), 403, "This link is not valid."),
        "garbage": ("/internal/not-a-token", 403, "This link is not valid."),
        "other incident": (_other_incident(valid, other), 403, "This link is not valid."),
        "expired": (expired, 410, "This link has expired."),
    }
    for name, (path, status, message) in refusals.items():
        answer = client.get(path)
        html = answer.get_data(as_text=True)
        assert answer.status_code == status, name
        assert message in html and "Checkout down" not in html, name
        assert "Traceback" not in html
        assert answer.headers["Cache-Control"] == "private, no-store"
        assert answer.headers["X-Robots-Tag"] == "noindex"
    assert client.get(valid).status_code == 200

    remove_member(ada.group, ada.public_id, None)

    gone = client.get(valid)
    assert gone.status_code == 410
    assert "recipient is no longer a stakeholder" in gone.get_data(as_text=True)


def test_a_deleted_incident_is_gone(client: FlaskClient, factory: Factory) -> None:
    incident = _incident(factory)
    path = _path(_member(), incident)
    db.session.delete(incident)
    db.session.commit()

    answer = client.get(path)

    assert answer.status_code == 410
    assert "This incident no longer exists." in answer.get_data(as_text=True)


def test_the_view_is_never_cached_publicly_nor_indexed(
    app: Flask, client: FlaskClient, factory: Factory,
) -> None:
    app.config["CACHE_CHECK_SECONDS"] = 3600  # a cached answer would outlive the change
    incident = _incident(factory)
    path = _path(_member(), incident)

    first = client.get(path)
    post_update(incident, UpdateInput(status="identified", body="Rolled back the deploy.",
                                      visibility="internal"), None)
    again = client.get(path, headers={"If-None-Match": first.headers.get("ETag", "*")})

    assert first.headers["Cache-Control"] == "private, no-store"
    assert first.headers["X-Robots-Tag"] == "noindex"
    assert first.headers["Referrer-Policy"] == "no-referrer"  # the token stays here
    assert '<meta name="robots" content="noindex">' in first.get_data(as_text=True)
    assert "ETag" not in first.headers and "public" not in first.headers["Cache-Control"]
    assert again.status_code == 200
    assert "Rolled back the deploy." in again.get_data(as_text=True)
    cache = app.extensions["statuspage_cache"]
    assert not [key for key in cache._entries if key[1].startswith("/internal/")]


def test_the_view_reads_in_the_members_language(
    client: FlaskClient, factory: Factory,
) -> None:
    incident = _incident(factory)

    page = client.get(_path(_member("Bob"), incident),
                      headers={"Accept-Language": "en"})

    html = page.get_data(as_text=True)
    assert '<html lang="nb">' in html
    assert "Internal incident view" not in html and "Oppdateringer" in html


@pytest.mark.parametrize("tamper", ["member", "expiry"])
def test_changing_any_part_of_a_token_breaks_it(
    client: FlaskClient, factory: Factory, tamper: str,
) -> None:
    incident = _incident(factory)
    member, incident_id, expires, signature = _path(_member(), incident).rsplit(
        "/", 1)[1].split(".")
    if tamper == "member":
        member = _member("Bob").public_id
    else:
        expires = format(int(expires, 36) + 86400, "x")  # any other value
    answer = client.get(f"/internal/{member}.{incident_id}.{expires}.{signature}")
    assert answer.status_code == 403
