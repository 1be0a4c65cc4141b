"""…/incidents/<id>/postmortem through the postmortem use-cases: save, publish (telling
subscribers only when asked), revert, delete; 202 and `awaiting_approval` when the plan makes
public text wait for a second person, whose approval then publishes it."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.core.extensions import db
from statuspage.incidents import postmortem_reviews, postmortems
from statuspage.models import AuditEntry, FanoutEvent, Incident
from tests.api_v1_support import call, new_token
from tests.approval_support import require_approval
from tests.factories import Factory

PUBLISHED_EVENT = postmortems.POSTMORTEM_PUBLISHED


@pytest.fixture
def write(app: object) -> str:
    return new_token("write", name="pm-bot")


def _put(client: FlaskClient, incident: Incident, secret: str, suffix: str = "",
         **fields: Any) -> Any:
    return call(client, "PUT", f"incidents/{incident.public_id}/postmortem{suffix}", secret,
                json={"postmortem": fields})


def _announcements(incident: Incident) -> int:
    return len(db.session.scalars(select(FanoutEvent).filter_by(
        incident_id=incident.id, kind=PUBLISHED_EVENT)).all())


def test_publish_tells_subscribers_only_when_asked_and_once(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(status="resolved", severity="SEV1")  # the plan announces it
    assert _put(client, incident, write, body_draft="What happened.").status_code == 200
    published = _put(client, incident, write, "/publish", notify_subscribers=True)
    assert published.status_code == 200, published.json
    assert published.json["notify_subscribers"] is True
    assert published.json["awaiting_approval"] is False
    assert _announcements(incident) == 1
    record = call(client, "GET", f"incidents/{incident.public_id}", write).json
    assert record["status"] == "postmortem" and record["postmortem_body"] == "What happened."
    assert call(client, "PUT", f"incidents/{incident.public_id}/postmortem/revert",
                write).status_code == 200
    again = _put(client, incident, write, "/publish", notify_subscribers=True)
    assert again.status_code == 200 and _announcements(incident) == 1
    actions = [a for a in db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.actor_label == "token:pm-bot")) if a.startswith("postmortem.")]
    assert actions == ["postmortem.save", "postmortem.publish", "postmortem.unpublish",
                       "postmortem.publish"]


@pytest.mark.parametrize(("setup", "suffix", "fields", "status"), [
    ("open", "/publish", {}, 409),               # not resolved yet
    ("resolved", "/publish", {}, 409),           # nothing written
    ("resolved", "/revert", None, 409),          # not published
    ("resolved", "/publish", {"notify_twitter": True}, 422),
    ("resolved", "", {}, 422),                   # no body_draft
    ("maintenance", "", {"body_draft": "x"}, 404),
])
def test_postmortem_states_and_fields_the_server_refuses(
    client: FlaskClient, factory: Factory, write: str, setup: str, suffix: str,
    fields: dict[str, Any] | None, status: int
) -> None:
    target = (factory.maintenance() if setup == "maintenance" else
              factory.incident(status="resolved" if setup == "resolved" else "investigating"))
    if fields is None:
        response = call(client, "PUT", f"incidents/{target.public_id}/postmortem{suffix}",
                        write)
    else:
        response = _put(client, target, write, suffix, **fields)
    assert response.status_code == status, response.json
    db.session.refresh(target)
    assert target.postmortem_published_at is None


def test_deleting_a_draft_and_not_a_published_postmortem(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    incident = factory.incident(status="resolved")
    path = f"incidents/{incident.public_id}/postmortem"
    assert call(client, "DELETE", path, write).status_code == 404  # nothing written
    _put(client, incident, write, body_draft="Draft.")
    _put(client, incident, write, "/publish")
    refused = call(client, "DELETE", path, write)
    assert refused.status_code == 409 and "revert" in refused.json["message"]
    call(client, "PUT", path + "/revert", write)
    deleted = call(client, "DELETE", path, write)
    assert deleted.status_code == 204 and deleted.get_data() == b""
    db.session.refresh(incident)
    assert incident.postmortem_body is None


def test_where_the_plan_asks_for_approval_publishing_answers_202_and_waits(
    client: FlaskClient, factory: Factory, write: str
) -> None:
    reviewer = factory.user(role="communicator")
    incident = factory.incident(status="resolved", severity="SEV1")
    require_approval()
    _put(client, incident, write, body_draft="Root cause: a bad deploy.")
    submitted = _put(client, incident, write, "/publish", notify_subscribers=True)
    assert submitted.status_code == 202, submitted.json
    assert submitted.json["awaiting_approval"] is True
    assert submitted.json["published_at"] is None and submitted.json["body"] is None
    db.session.refresh(incident)
    assert (incident.status, incident.postmortem_published_at) == ("resolved", None)
    assert _announcements(incident) == 0
    assert call(client, "GET", f"incidents/{incident.public_id}/postmortem",
                write).json["awaiting_approval"] is True
    twice = _put(client, incident, write, "/publish")
    assert twice.status_code == 409
    # A second person approves it in the console: then it is public and announced.
    [review] = postmortem_reviews.pending(incident)
    postmortem_reviews.approve(review, reviewer)
    after = call(client, "GET", f"incidents/{incident.public_id}/postmortem", write).json
    assert after["published_at"] is not None and after["awaiting_approval"] is False
    assert _announcements(incident) == 1
    # A change to the published text is submitted as a revision: 202, the public text stays.
    revised = _put(client, incident, write, body_draft="Root cause: a bad deploy. Fixed.")
    assert revised.status_code == 202 and revised.json["awaiting_approval"] is True
    assert revised.json["body"] == "Root cause: a bad deploy."
    assert revised.json["body_draft"] == "Root cause: a bad deploy. Fixed."
