"""console/compose.py: the one cascade behind every composer's POST (issue 11, item 5)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, get_flashed_messages
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest
from wtforms import TextAreaField
from wtforms.validators import Length

from statuspage.console.compose import Composition, compose
from statuspage.console.forms import ConsoleForm
from statuspage.core.errors import DomainError


class BodyForm(ConsoleForm):
    body = TextAreaField("Message", validators=[Length(max=20)])


class Recorder:
    """Renders as (status, extra) and counts the use-case's calls."""

    def __init__(self, fail: DomainError | None = None) -> None:
        self.runs = 0
        self.fail = fail

    def render(self, status: int = 200, **extra: Any) -> ResponseReturnValue:
        return "page", status, {"X-Extra": ",".join(sorted(extra))}

    def run(self) -> str:
        self.runs += 1
        if self.fail is not None:
            raise self.fail
        return "new-id"


def _answer(app: Flask, data: dict[str, str], recorder: Recorder,
            **steps: Any) -> tuple[Any, list[tuple[str, str]]]:
    with app.test_request_context("/console/x", method="POST", data=data):
        form = BodyForm()
        answer = compose(Composition(
            form=form, render=recorder.render, run=recorder.run,
            outcome=lambda result: (f"Done {result}.", "success"),
            target=lambda result: f"/console/things/{result}", **steps))
        return answer, get_flashed_messages(with_categories=True)


STEPS = {"template": lambda: {"picker": 1}, "preview": lambda: {"preview_html": 1},
         "reach": lambda: {"reach": 1}}


@pytest.mark.parametrize(("action", "extra"), [("use_template", "picker"),
                                               ("preview", "preview_html"),
                                               ("reach", "reach")])
def test_a_step_re_renders_with_its_context_and_saves_nothing(app: Flask, action: str,
                                                               extra: str) -> None:
    recorder = Recorder()
    answer, flashed = _answer(app, {"body": "hi", "action": action}, recorder, **STEPS)
    assert answer == ("page", 200, {"X-Extra": extra})
    assert recorder.runs == 0
    assert flashed == []


def test_the_use_case_runs_then_flashes_and_redirects(app: Flask) -> None:
    recorder = Recorder()
    (response, status), flashed = _answer(app, {"body": "hi", "action": "publish"}, recorder,
                                          **STEPS)
    assert (status, response.location) == (303, "/console/things/new-id")
    assert recorder.runs == 1
    assert flashed == [("success", "Done new-id.")]


def test_a_step_the_composer_does_not_offer_is_refused_and_nothing_runs(app: Flask) -> None:
    """E.g. `action=reach` sent to the resolve form: a 400, never a fall-through to publish."""
    recorder = Recorder()
    with pytest.raises(BadRequest):
        _answer(app, {"body": "hi", "action": "reach"}, recorder)
    assert recorder.runs == 0


def test_a_refusal_is_shown_on_its_field_with_422_and_nothing_flashed(app: Flask) -> None:
    recorder = Recorder(DomainError("Too long.", "body"))
    with app.test_request_context("/console/x", method="POST", data={"body": "hi"}):
        form = BodyForm()
        answer = compose(Composition(form=form, render=recorder.render, run=recorder.run,
                                     outcome=lambda result: ("Done.", "success"),
                                     target=lambda result: "/"))
        assert answer == ("page", 422, {"X-Extra": ""})
        assert form.body.errors == ["Too long."]
        assert get_flashed_messages() == []


def test_a_form_that_does_not_validate_is_re_rendered_before_any_step(app: Flask) -> None:
    recorder = Recorder()
    answer, flashed = _answer(app, {"body": "x" * 21, "action": "preview"}, recorder, **STEPS)
    assert answer == ("page", 422, {"X-Extra": ""})
    assert (recorder.runs, flashed) == (0, [])
