"""A request id on every web response and every line logged while serving it
(web.request_ids), and gunicorn's access line built from it (web.logging_gunicorn)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask, Response, request
from flask.testing import FlaskClient
from gunicorn.config import Config

from statuspage.core.logging_setup import ContextFilter
from statuspage.web.request_ids import ENVIRON_KEY, ENVIRON_PATH_KEY, HEADER
from tests.test_logging_setup import restore_logging  # noqa: F401  (a fixture)


def test_a_sane_request_id_from_the_client_is_echoed(client: FlaskClient) -> None:
    response = client.get("/healthz", headers={HEADER: "edge-7f3a.b:9_x"})
    assert response.headers[HEADER] == "edge-7f3a.b:9_x"


@pytest.mark.parametrize("header", [None, "", "x" * 65, "has space", "new\u2028line",
                                    "<script>", "a,b"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(
    client: FlaskClient, header: str | None,
) -> None:
    headers = {HEADER: header} if header is not None else {}
    first = client.get("/healthz", headers=headers).headers[HEADER]
    second = client.get("/healthz", headers=headers).headers[HEADER]
    assert first != header and len(first) == 32 and first.isalnum()
    assert first != second


def test_error_pages_carry_the_request_id_too(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={HEADER: "req-404"})
    assert response.status_code == 404 and response.headers[HEADER] == "req-404"


def test_lines_logged_while_serving_a_request_carry_its_id(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture,
) -> None:
    def noisy() -> str:
        logging.getLogger("statuspage.test").warning("serving")
        return "ok"

    app.add_url_rule("/_log-test", "log_test", noisy)
    caplog.handler.addFilter(ContextFilter())
    try:
        with caplog.at_level(logging.INFO):
            response = client.get("/_log-test", headers={HEADER: "req-abc"})
    finally:
        caplog.handler.removeFilter(caplog.handler.filters[-1])
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "statuspage.test"]
    assert record.request_id == "req-abc"  # type: ignore[attr-defined]


def test_the_logged_path_hides_a_link_token(app: Flask, client: FlaskClient) -> None:
    seen: dict[str, str] = {}

    @app.after_request
    def keep(response: Response) -> Response:
        seen.update(path=request.environ[ENVIRON_PATH_KEY], id=request.environ[ENVIRON_KEY])
        return response

    token = "Ab3.1.s3cretSignatureXXXXX"
    response = client.get(f"/unsubscribe/{token}")
    assert seen["path"] == "/unsubscribe/[redacted]"
    assert seen["id"] == response.headers[HEADER]
    client.get("/incidents/abc123")
    assert seen["path"] == "/incidents/abc123"


def test_gunicorns_access_line_is_json_with_the_request_id_and_no_secret(
    restore_logging: None, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    from statuspage.web.logging_gunicorn import GunicornLogger

    monkeypatch.setenv("LOG_FORMAT", "json")
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = GunicornLogger(cfg)
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/manage/s3cret",
               "QUERY_STRING": "token=s3cret", "RAW_URI": "/manage/s3cret?token=s3cret",
               "HTTP_REFERER": "https://x/manage/s3cret", "REMOTE_ADDR": "127.0.0.1",
               ENVIRON_KEY: "req-1", ENVIRON_PATH_KEY: "/manage/[redacted]"}
    response = SimpleNamespace(status="200 OK", sent=12, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=8))
    logger.error("a gunicorn error line")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    access, error = lines
    assert access["logger"] == "gunicorn.access" and access["request_id"] == "req-1"
    assert access["message"] == "GET /manage/[redacted] 200" and access["status"] == 200
    assert "s3cret" not in json.dumps(lines)
    assert error["logger"] == "gunicorn.error" and error["level"] == "ERROR"
