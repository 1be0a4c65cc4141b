"""The notice to the on-duty staff, and keeping received alerts bounded."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from statuspage.alerts import notices, retention
from statuspage.alerts.intake import NOTICE_QUIET_SECONDS
from statuspage.core.extensions import db
from statuspage.models import OutboxMessage, ReceivedAlert, utcnow
from statuspage.tasks.queues import huey
from statuspage.tasks.runner import JOBS
from tests.alert_support import counts, documented, post, proposals, resolved, source
from tests.delivery_support import queued_tasks
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("errors")


def test_a_new_proposal_schedules_its_notice_after_the_quiet_period(
        app: Flask, client: FlaskClient, factory: Factory) -> None:
    factory.user(role="admin")
    _am, token = source()
    payload = documented("alertmanager_firing")
    with queued_tasks():
        post(client, "alertmanager", payload, token)
        post(client, "alertmanager", payload, token)  # a repeat schedules nothing more
        scheduled = [t for t in huey.pending() if t.name.endswith("notify_alert_proposal")]
        [proposal] = proposals()
        [task] = scheduled
        assert task.args == (proposal.id,)
        wait = (task.eta.replace(tzinfo=UTC) - utcnow()).total_seconds()
        assert 20 < wait <= NOTICE_QUIET_SECONDS
        # What the worker runs then: one email to the one on-duty user.
        assert JOBS["notify_alert_proposal"].call_local(proposal.id) == 1
    assert counts()["outbox"] == 1


def test_no_notice_before_the_quiet_period_nor_once_everything_resolved(
        client: FlaskClient, factory: Factory) -> None:
    factory.user(role="communicator")
    _am, token = source()
    payload = documented("alertmanager_firing")
    post(client, "alertmanager", payload, token)

    assert notices.notify_due(utcnow()) == []  # still within the quiet period
    post(client, "alertmanager", resolved(payload), token)
    assert notices.notify_due(utcnow() + timedelta(minutes=5)) == []
    assert counts()["outbox"] == 0


def test_a_viewer_is_not_on_duty_and_a_sev3_texts_nobody(client: FlaskClient,
                                                          factory: Factory) -> None:
    lead = factory.user(role="communicator", phone="+14155550123")
    factory.user(role="viewer")
    _am, token = source(severity="SEV3")
    post(client, "alertmanager", documented("alertmanager_firing"), token)
    [proposal] = proposals()

    assert notices.notify_proposal(proposal.id, utcnow()) == 1
    assert notices.notify_proposal(proposal.id, utcnow()) == 0  # told once

    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert (message.channel, message.to) == ("email", lead.email)
    assert "Instance example1 down" in message.body
    assert "Nothing is public until someone declares it." in message.body
    assert "example2 of job node has been down" in message.body


def test_resolved_alerts_are_pruned_after_thirty_days_and_firing_ones_kept(
        client: FlaskClient) -> None:
    _am, token = source()
    payload = documented("alertmanager_firing")
    post(client, "alertmanager", payload, token)
    partly = resolved(payload)
    partly["alerts"][1]["status"] = "firing"
    post(client, "alertmanager", partly, token)

    assert retention.prune(utcnow()) == 0
    assert retention.prune(utcnow() + timedelta(days=31)) == 1

    [kept] = db.session.scalars(select(ReceivedAlert)).all()
    assert kept.status == "firing"
    assert len(proposals()) == 1  # the proposal stays, with its counts
