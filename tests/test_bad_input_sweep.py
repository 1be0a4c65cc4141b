"""The bad-input sweep: every route in the URL map, hostile input, every role (issue 10).

Each route (read from `app.url_map`, as `flask routes` lists them, so new routes are swept
without editing this file) is called with hostile path parameters, query strings and bodies
(form and JSON: controls, NUL, huge numbers, wrong types, Unicode digits, out-of-range dates,
deep nesting, 10 MB) as an anonymous visitor, a viewer, a communicator and an admin (with a
read or write API token on /api/v1). No answer may be a 5xx and nothing may be logged at
ERROR (a traceback). The combinations are sampled with a fixed seed per role, so a run is
repeatable and stays under a minute on SQLite; it runs on PostgreSQL too. Set
BAD_INPUT_SWEEP_SEED to sample other combinations (a failure names the request to repeat).
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from statuspage.accounts.api_tokens import create_token
from statuspage.web.url_rules import converter_of
from tests.bad_input_support import (
    ACTIONS,
    API_FIELDS,
    CONTROL_VALUES,
    FORM_VALUES,
    JSON_VALUES,
    PATH_VALUES,
    QUERY_STRINGS,
    World,
    build_world,
    form_field_names,
    url_for_rule,
)
from tests.console.conftest_content import sign_in
from tests.factories import Factory

pytestmark = pytest.mark.usefixtures("errors")

ROLES = ("anonymous", "viewer", "communicator", "admin")
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
TEN_MB = 10 * 1024 * 1024
SEED = os.environ.get("BAD_INPUT_SWEEP_SEED", "0")


@dataclass
class Probe:
    method: str
    url: str
    kind: str
    data: Any = None
    json_body: Any = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def _rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def _hostile_form(rng: random.Random, fields: list[str], controls: bool) -> dict[str, str]:
    form = {name: rng.choice(FORM_VALUES) for name in fields}
    action = rng.choice(ACTIONS)
    if action is not None:
        form["action"] = action
    if controls:
        form[rng.choice(fields)] = rng.choice(CONTROL_VALUES)
    return form


def _hostile_json(rng: random.Random, rule: Rule) -> Any:
    inner = {name: rng.choice(JSON_VALUES) for name in rng.sample(API_FIELDS, 8)}
    key = "component" if "components" in rule.rule else "incident"
    return rng.choice([{key: inner}, {key: {"name": "ok\x00"}}, [inner], inner, "text", 10**30])


def _deep(depth: int) -> str:
    return '{"incident": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


def probes(app: Flask, world: World, role: str) -> Iterator[Probe]:
    """The requests one role sends: sampled per route with a seed fixed by the role."""
    rng = random.Random(f"bad-input-sweep/{SEED}/{role}")
    fields = form_field_names(app)
    for rule in _rules(app):
        real = url_for_rule(rule, world)
        hostile_args = [n for n in sorted(rule.arguments)
                        if not isinstance(converter_of(rule, n), AnyConverter)]
        takes_json = rule.rule.startswith(("/api/", "/hooks/"))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for name in hostile_args:
                for value in rng.sample(PATH_VALUES, 3):
                    yield Probe(method, url_for_rule(rule, world, {name: value}), "path")
            for query in rng.sample(QUERY_STRINGS, 2):
                yield Probe(method, f"{real}?{query}", "query")
            if method not in BODY_METHODS:
                continue
            for controls in (False, False, False, True):
                yield Probe(method, real, "form", data=_hostile_form(rng, fields, controls))
            for _ in range(3 if takes_json else 1):
                yield Probe(method, real, "json", json_body=_hostile_json(rng, rule))
            yield Probe(method, real, "deep-json", data=_deep(rng.choice([40, 3000, 50_000])),
                        content_type="application/json")
            yield Probe(method, real, "wrong-type", data=b"\xff\xfe{not json",
                        content_type=rng.choice(["application/json", "text/plain",
                                                 "multipart/form-data; boundary=x"]))
            if role == "admin":
                yield Probe(method, real, "10MB", data="a=" + "x" * TEN_MB,
                            content_type="application/x-www-form-urlencoded")


def _send(client: FlaskClient, probe: Probe, headers: dict[str, str]) -> int:
    kwargs: dict[str, Any] = {"method": probe.method, "headers": headers}
    if probe.json_body is not None:
        kwargs["data"] = json.dumps(probe.json_body)
        kwargs["content_type"] = "application/json"
    elif probe.data is not None:
        kwargs["data"] = probe.data
        if probe.content_type:
            kwargs["content_type"] = probe.content_type
    return client.open(probe.url, **kwargs).status_code


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_hostile_input_with_a_server_error(
        app: Flask, factory: Factory, role: str, caplog: pytest.LogCaptureFixture) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a 500 is an answer to record, not a raise
    world = build_world(factory)
    user = factory.user(role=role) if role != "anonymous" else None
    api_headers = {}
    if user is not None:
        scope = "read" if role == "viewer" else "write"
        api_headers = {"Authorization": f"Bearer {create_token(role, scope, None).secret}"}
    client = app.test_client()
    failures: list[str] = []
    sent = 0
    with caplog.at_level(logging.ERROR):
        for probe in probes(app, world, role):
            if user is not None:
                sign_in(client, user)  # again each time: a probe may have logged out
            headers = api_headers if probe.url.startswith("/api/v1/") else {}
            status = _send(client, probe, headers)
            sent += 1
            if status >= 500:
                failures.append(f"{status} {probe.kind} {probe.method} {probe.url[:140]}")
    logged = [f"{r.levelname} {r.name}: {r.getMessage()[:200]}" for r in caplog.records
              if r.levelno >= logging.ERROR]
    assert sent > 500
    assert failures == [], "\n".join(failures)
    assert logged == [], "\n".join(logged)
