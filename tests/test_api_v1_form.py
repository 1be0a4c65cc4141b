"""Form-encoded bodies, posted the way Statuspage's own documentation shows them with curl:

    curl https://api.statuspage.io/v1/pages/{page_id}/incidents -H "Authorization: OAuth KEY" \\
      -X POST -d "incident[name]=..." -d "incident[status]=investigating" \\
      -d "incident[component_ids][]=..." -d "incident[components][<id>]=major_outage"

`curl -d` sends each value as written, joined with `&`, as
application/x-www-form-urlencoded; `curl_d` builds exactly that body.
"""

from __future__ import annotations

from io import BytesIO
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from statuspage.core.extensions import db
from statuspage.models import Component, Incident, MessageTemplate
from tests.api_v1_support import auth, new_token, page_path
from tests.factories import Factory

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="curl")


def curl_d(*fields: str) -> str:
    """The body `curl -d A -d B ...` sends: the values as written, joined with `&`."""
    return "&".join(fields)


def send(client: FlaskClient, method: str, suffix: str, secret: str, *fields: str,
         scheme: str = "OAuth") -> TestResponse:
    return client.open(page_path(suffix), method=method, data=curl_d(*fields),
                       content_type=FORM, headers=auth(secret, scheme))


def test_the_statuspage_docs_curl_example_opens_an_incident(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    api, web = factory.component("API"), factory.component("Website")
    response = send(
        client, "POST", "incidents", write,
        "incident[name]=Elevated API errors",
        "incident[status]=investigating",
        "incident[impact_override]=major",
        "incident[body]=We are looking into it.",
        f"incident[component_ids][]={api.public_id}",
        f"incident[component_ids][]={web.public_id}",
        f"incident[components][{api.public_id}]=major_outage",
        "incident[metadata][jira][issue_id]=OPS-1",
        "incident[deliver_notifications]=false",
    )
    assert response.status_code == 201, response.json
    incident = db.session.scalars(select(Incident)).one()
    assert (incident.name, incident.status, incident.severity) == (
        "Elevated API errors", "investigating", "SEV2")
    assert sorted(c.name for c in incident.components) == ["API", "Website"]
    assert incident.api_metadata == {"jira": {"issue_id": "OPS-1"}}
    assert incident.updates[0].deliver_notifications is False
    db.session.refresh(api)
    db.session.refresh(web)
    assert (api.status, web.status) == ("major_outage", "operational")
    assert response.json["metadata"] == {"jira": {"issue_id": "OPS-1"}}


def test_form_bodies_update_resolve_and_schedule(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    api = factory.component("API")
    incident = factory.incident(components={api: "major_outage"})
    path = f"incidents/{incident.public_id}"
    renamed = send(client, "PATCH", path, write, "incident[name]=API errors",
                   "incident[metadata][pagerduty][incident]=P123")
    assert renamed.status_code == 200 and renamed.json["name"] == "API errors"
    resolved = send(client, "PATCH", path, write, "incident[status]=resolved",
                    "incident[body]=Fixed.", "incident[deliver_notifications]=false")
    assert resolved.status_code == 200 and resolved.json["status"] == "resolved"
    db.session.refresh(api)
    assert api.status == "operational"
    window = send(client, "POST", "incidents", write, "incident[name]=Database upgrade",
                  "incident[status]=scheduled",
                  "incident[scheduled_for]=2999-01-01T02:00:00Z",
                  "incident[scheduled_until]=2999-01-01T04:00:00Z",
                  "incident[scheduled_remind_prior]=true",
                  "incident[scheduled_auto_transition]=true",
                  f"incident[component_ids][]={api.public_id}")
    assert window.status_code == 201, window.json
    assert window.json["scheduled_auto_in_progress"] is True
    assert window.json["scheduled_remind_prior"] is True


def test_form_bodies_reach_updates_postmortems_templates_and_components(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(severity="SEV3", status="resolved", body="Fixd.")
    update = incident.updates[0].public_id
    corrected = send(client, "PATCH", f"incidents/{incident.public_id}/incident_updates/{update}",
                     write, "incident_update[body]=Fixed.",
                     "incident_update[wants_twitter_update]=false")
    assert corrected.status_code == 200 and corrected.json["body"] == "Fixed."
    postmortem = f"incidents/{incident.public_id}/postmortem"
    saved = send(client, "PUT", postmortem, write, "postmortem[body_draft]=What happened.")
    assert saved.status_code == 200 and saved.json["body_draft"] == "What happened."
    published = send(client, "PUT", postmortem + "/publish", write,
                     "postmortem[notify_subscribers]=false", "postmortem[notify_twitter]=false")
    assert published.status_code == 200 and published.json["published_at"] is not None
    template = send(client, "POST", "incident_templates", write, "template[name]=Failover",
                    "template[title]={incident_title}", "template[body]=Failing over.",
                    "template[update_status]=identified")
    assert template.status_code == 201, template.json
    assert db.session.scalar(select(MessageTemplate.phase).filter_by(name="Failover")) == (
        "identified")
    component = send(client, "POST", "components", write, "component[name]=Queue",
                     "component[showcase]=false")
    assert component.status_code == 201, component.json
    assert db.session.scalar(select(Component.showcase).filter_by(name="Queue")) is False


def test_percent_encoded_names_and_values_read_the_same(client: FlaskClient, write: str) -> None:
    body = "&".join(f"{quote(k)}={quote(v)}" for k, v in (
        ("incident[name]", "Checkout & payments"), ("incident[body]", "50% of requests fail")))
    response = client.post(page_path("incidents"), data=body, content_type=FORM,
                           headers=auth(write))
    assert response.status_code == 201, response.json
    assert response.json["name"] == "Checkout & payments"
    assert response.json["incident_updates"][0]["body"] == "50% of requests fail"


@pytest.mark.parametrize(("fields", "status", "field"), [
    # A plain name given twice: Rails would keep one quietly; we refuse.
    (("incident[name]=A", "incident[name]=B"), 422, "name"),
    # Not wrapped in the resource key: the same 400 as the JSON body's.
    (("name=Outage",), 400, None),
    (("incident[name]=Outage", "notify=false"), 422, "notify"),
    (("incident[name]=Outage", "incident[colour]=red"), 422, "colour"),
    (("incident[name]=Outage", "incident[deliver_notifications]=maybe"), 422,
     "deliver_notifications"),
    # A flat metadata value: Statuspage's metadata is an object of objects.
    (("incident[name]=Outage", "incident[metadata][jira]=OPS-1"), 422, "metadata"),
    (("incident[name=Outage",), 400, None),
    (("incident[name]=Outage", "incident[name][x]=y"), 400, None),
    (("incident[name]=Outage", "incident[][name]=y"), 400, None),
    (("incident[metadata][a][b][c][d]=deep",), 400, None),
])
def test_odd_form_bodies_are_refused_and_nothing_is_created(
    client: FlaskClient, write: str, fields: tuple[str, ...], status: int, field: str | None
) -> None:
    response = send(client, "POST", "incidents", write, *fields)
    assert response.status_code == status, response.json
    if field is not None:
        assert response.json["field"] == field
    assert db.session.scalars(select(Incident)).first() is None


def test_a_file_upload_is_not_a_body(client: FlaskClient, write: str) -> None:
    response = client.post(page_path("incidents"), headers=auth(write),
                           data={"incident[name]": "Outage",
                                 "attachment": (BytesIO(b"x"), "x.txt")},
                           content_type="multipart/form-data")
    assert response.status_code == 415
    assert db.session.scalars(select(Incident)).first() is None
