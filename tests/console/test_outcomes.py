"""The console's flash messages say what really happened: published, or waiting for approval."""

from __future__ import annotations

from flask.testing import FlaskClient

from statuspage.core.extensions import db
from statuspage.models import Incident
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from tests.console.conftest_content import as_role
from tests.factories import Factory

DECLARE = {"name": "Checkout down", "severity": "SEV2", "status": "investigating",
           "body": "Payments fail.", "deliver_notifications": "y", "action": "publish"}


def _approval(*severities: str) -> None:
    """The default plan, with public updates at `severities` waiting for approval."""
    plan_save.seed_default_plan()
    document = yaml_io.export_document()
    for severity in severities:
        document["severities"][severity]["approval"] = True  # type: ignore[index]
    plan_save.save_document(document, None)


def _flash(html: str, category: str, message: str) -> bool:
    return f'<p class="flash flash-{category}" role="status">{message}</p>' in html


def _post(client: FlaskClient, path: str, data: dict[str, str]) -> str:
    return client.post(path, data=data, follow_redirects=True).get_data(as_text=True)


def test_declaring_says_declared_and_published(client: FlaskClient, factory: Factory) -> None:
    as_role(client, factory, "communicator")
    html = _post(client, "/console/incidents/new", DECLARE)
    assert _flash(html, "success",
                  "Incident “Checkout down” declared; its opening update is published.")


def test_declaring_with_approval_says_the_opening_waits(
    client: FlaskClient, factory: Factory
) -> None:
    _approval("SEV2")
    as_role(client, factory, "communicator")
    html = _post(client, "/console/incidents/new", DECLARE)
    assert _flash(html, "warning", "Incident “Checkout down” declared; its opening update "
                  "waits for approval and is not public yet.")
    assert "” opened" not in html


def test_an_update_says_published_or_submitted_for_approval(
    client: FlaskClient, factory: Factory
) -> None:
    incident = factory.incident(severity="SEV2")
    as_role(client, factory, "communicator")
    path = f"/console/incidents/{incident.public_id}/updates"
    update = {"status": "identified", "body": "Found it.", "visibility": "public",
              "deliver_notifications": "y", "action": "publish"}

    assert _flash(_post(client, path, update), "success", "Update published.")

    _approval("SEV2")
    html = _post(client, path, update)
    assert _flash(html, "warning", "Update submitted for approval; it is not public until "
                  "another communicator or admin approves it.")


def test_an_internal_update_says_whether_the_plan_sends_it_to_a_group(
    client: FlaskClient, factory: Factory
) -> None:
    plan_save.seed_default_plan()  # SEV1 reaches the Executives group on every event
    sev1 = factory.incident(name="Everything down", severity="SEV1")
    sev3 = factory.incident(name="Search slow", severity="SEV3")
    as_role(client, factory, "communicator")
    internal = {"status": "identified", "body": "For the board.", "visibility": "internal",
                "deliver_notifications": "y", "action": "publish"}

    html = _post(client, f"/console/incidents/{sev1.public_id}/updates", internal)
    assert _flash(html, "success", "Internal update sent to stakeholders.")

    html = _post(client, f"/console/incidents/{sev3.public_id}/updates", internal)
    assert _flash(html, "warning", "Internal update posted; the plan sends it to no group.")

    quiet = {**internal}
    del quiet["deliver_notifications"]
    html = _post(client, f"/console/incidents/{sev1.public_id}/updates", quiet)
    assert _flash(html, "success",
                  "Internal update posted; notifications were off, so nobody was messaged.")


def test_resolving_says_resolved_or_that_the_incident_stays_open(
    client: FlaskClient, factory: Factory
) -> None:
    first = factory.incident(name="Login errors", severity="SEV2")
    second = factory.incident(name="Slow search", severity="SEV3")
    as_role(client, factory, "communicator")
    resolve = {"resolve-body": "Fixed.", "resolve-restore_components": "y", "action": "publish"}

    html = _post(client, f"/console/incidents/{first.public_id}/resolve", resolve)
    assert _flash(html, "success", "Incident “Login errors” resolved.")

    _approval("SEV3")
    html = _post(client, f"/console/incidents/{second.public_id}/resolve", resolve)
    assert _flash(html, "warning", "Resolution submitted for approval; the incident stays open "
                  "until it is approved.")
    assert "resolved." not in html
    assert db.session.get(Incident, second.id).status == "investigating"


def test_maintenance_says_scheduled_or_submitted_for_approval(
    client: FlaskClient, factory: Factory
) -> None:
    as_role(client, factory, "communicator")
    window = {"scheduled_for": "2031-01-10T22:00", "scheduled_until": "2031-01-10T23:00",
              "body": "Router swap.", "deliver_notifications": "y", "action": "publish"}

    html = _post(client, "/console/maintenance/new", {**window, "name": "Routers"})
    assert _flash(html, "success", "Maintenance “Routers” scheduled.")

    _approval("maintenance")
    html = _post(client, "/console/maintenance/new", {**window, "name": "Switches"})
    assert _flash(html, "warning", "Maintenance “Switches” submitted for approval; it is not "
                  "public and nobody is notified until it is approved.")


def test_maintenance_steps_say_done_or_submitted_for_approval(
    client: FlaskClient, factory: Factory
) -> None:
    work = factory.maintenance(name="Database upgrade")
    as_role(client, factory, "communicator")
    base = f"/console/maintenance/{work.public_id}"

    assert _flash(_post(client, f"{base}/start", {"start-body": "Starting."}), "success",
                  "Maintenance started.")
    assert _flash(_post(client, f"{base}/verify", {"verify-body": "Checking."}), "success",
                  "Maintenance is being verified.")

    _approval("maintenance")
    html = _post(client, f"{base}/complete", {"complete-body": "Done."})
    assert _flash(html, "warning", "Completion submitted for approval; the maintenance stays "
                  "open until it is approved.")
    assert db.session.get(Incident, work.id).status == "verifying"

    later = factory.maintenance(name="Cache upgrade")  # waits for its announcement's approval
    html = _post(client, f"/console/maintenance/{later.public_id}/start", {"start-body": "Go."})
    assert _flash(html, "warning", "Start submitted for approval; the maintenance stays "
                  "scheduled until it is approved.")
