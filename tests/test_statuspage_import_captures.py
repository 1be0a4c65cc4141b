"""The public-only import reads real captured Statuspage answers (Discord's /api/v2, trimmed by
its author to one item per list; ../shared/fixtures/statuspage/), served by a local server."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.wrappers import Response

from statuspage.core.extensions import db
from statuspage.migration.client import Client
from statuspage.migration.run import ImportOptions, import_page
from statuspage.models import Component, Incident
from tests.fakes.server import FakeServer, RecordedRequest, json_response
from tests.statuspage_import_support import nothing_sent

# ../shared next to the checkout (or next to the folder of worktrees holding it).
FIXTURES = next((folder / "shared" / "fixtures" / "statuspage"
                 for folder in Path(__file__).resolve().parents
                 if (folder / "shared" / "fixtures" / "statuspage").is_dir()),
                Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "statuspage")
DISCORD_ALL = "Dziurwa14-discord-undoc__discordstatus-api-v2-endpoints__2022-02.json"

pytestmark = pytest.mark.skipif(not (FIXTURES / DISCORD_ALL).is_file(),
                                reason=f"Statuspage captures not found at {FIXTURES}")


def test_discords_captured_public_api_imports(app: Flask) -> None:
    captured = json.loads((FIXTURES / DISCORD_ALL).read_text())

    def answer(request: RecordedRequest) -> Response:
        if request.path in captured:
            return json_response(captured[request.path])
        return json_response({"error": "Not found"}, 404)

    server = FakeServer(answer)
    try:
        report = import_page(ImportOptions(page_id="srhpyqt94yxb", base_url=server.url),
                             client=Client(server.url, None, sleep=lambda seconds: None))
    finally:
        server.stop()
    assert report.tally("components").created == 1
    assert report.tally("incidents").created == 1 and report.tally("maintenances").created == 1

    # The trimmed capture leaves out South Korea's group: the component stays at the root.
    korea = db.session.execute(select(Component).filter_by(public_id="qk867vbbh84x")).scalar_one()
    assert (korea.name, korea.group_id, korea.position) == ("South Korea", None, 9)
    incident = db.session.execute(select(Incident).filter_by(
        public_id="n4njzfn1mqy0")).scalar_one()
    assert (incident.name, incident.status, incident.severity) == ("Messaging issues",
                                                                   "resolved", "SEV3")
    # "-08:00" in the page's zone, stored as the same instant in UTC.
    assert incident.resolved_at == datetime(2022, 2, 15, 21, 37, 37, 388000, tzinfo=UTC)
    assert [u.public_id for u in incident.updates] == [
        "g93t2s4f10jh", "2shj4d01hc9g", "8tkvrgqxbpr0", "7gv6pn1zyz2n"]
    assert incident.updates[-1].body == ("We're investigating high latency related to "
                                         "channels and messages.")
    window = db.session.execute(select(Incident).filter_by(
        public_id="chkt3cr0jf7b")).scalar_one()
    # An old maintenance whose impact is "major": kept as an override, so it reads the same.
    assert (window.kind, window.status, window.impact) == ("maintenance", "completed", "major")
    assert window.scheduled_for == datetime(2015, 9, 22, 8, 0, tzinfo=UTC)
    assert "\r\n" in window.updates[-1].body
    assert not window.auto_start and window.remind_before_minutes is None
    assert nothing_sent()
