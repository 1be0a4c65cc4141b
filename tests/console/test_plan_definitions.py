"""The plan editor: severity definitions and first-update targets, saved with the matrix."""

from __future__ import annotations

from flask.testing import FlaskClient

from statuspage.plan import rules as plan
from statuspage.plan import save as plan_save
from statuspage.plan import yaml_io
from tests.console.conftest import LoginHelper
from tests.console.conftest_content import input_value, textarea_value


def test_an_admin_saves_definitions_and_first_update_targets(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    html = client.get("/console/plan").get_data(as_text=True)
    assert (textarea_value(html, "SEV1.definition") or "").startswith(
        "Checkout, login or the whole service down")
    assert input_value(html, "SEV1.first_update_minutes") == "15"
    assert input_value(html, "maintenance.first_update_minutes") is None
    assert textarea_value(html, "maintenance.definition") is None

    response = client.post("/console/plan", data={
        "plan_matrix": "1",
        "SEV1.definition": "  Payments down for everyone.  ", "SEV1.first_update_minutes": "10",
        "SEV1.cadence_minutes": "20",
        "SEV2.definition": "", "SEV2.first_update_minutes": "",
    })

    assert response.status_code == 303
    loaded = plan.load_plan()
    assert (loaded["SEV1"].definition, loaded["SEV1"].first_update_minutes,
            loaded["SEV1"].cadence_minutes) == ("Payments down for everyone.", 10, 20)
    assert (loaded["SEV2"].definition, loaded["SEV2"].first_update_minutes) == (None, None)
    html = client.get("/console/plan").get_data(as_text=True)
    assert textarea_value(html, "SEV1.definition") == "Payments down for everyone."
    assert input_value(html, "SEV1.first_update_minutes") == "10"


def test_a_bad_first_update_target_is_refused_and_what_was_typed_kept(
    client: FlaskClient, login: LoginHelper
) -> None:
    login(client, role="admin")
    client.get("/console/plan")
    before = yaml_io.export_yaml()

    response = client.post("/console/plan", data={
        "plan_matrix": "1", "SEV2.first_update_minutes": "asap",
        "SEV2.definition": "Typed definition", "SEV3.definition": "x" * 501})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "severities.SEV2.first_update_minutes: must be a whole number" in html
    assert "severities.SEV3.definition: is 501 characters; keep it to 500" in html
    assert input_value(html, "SEV2.first_update_minutes") == "asap"
    assert textarea_value(html, "SEV2.definition") == "Typed definition"
    assert yaml_io.export_yaml() == before


def test_a_viewer_reads_definitions_and_targets(
    client: FlaskClient, login: LoginHelper
) -> None:
    plan_save.seed_default_plan()
    login(client, role="viewer")

    html = client.get("/console/plan").get_data(as_text=True)

    assert '<p class="plan-definition">Checkout, login or the whole service down' in html
    assert "First public update within: 15 minutes" in html
    assert "First public update within: no target" in html  # SEV4
    assert 'name="SEV1.definition"' not in html
    assert client.post("/console/plan", data={"plan_matrix": "1"}).status_code == 403
