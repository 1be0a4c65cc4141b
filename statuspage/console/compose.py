"""The one cascade every console composer runs when its form is posted.

validate -> "Use template" -> "Preview" -> "Preview reach" -> the use-case -> flash -> redirect.

A view builds a `Composition` (its form, how to re-render its page, and a builder per step it
offers) and returns `compose(...)`. Guarantees:
- nothing is saved unless the form validates and no other step was asked for: every step
  but the use-case only re-renders the page with what was typed kept;
- a step the composer does not offer (a `None` builder) is refused with 400 and nothing is
  done, so a known action sent to the wrong form never falls through to publishing; unknown
  actions never get this far (console/form_actions.py refuses them with 400);
- a `DomainError` from the use-case is shown next to the field it names, with status 422, and
  nothing is flashed; on success the outcome is flashed and the answer is a 303 redirect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from flask import abort, flash, redirect, request
from flask.typing import ResponseReturnValue

from statuspage.console.composer import PREVIEW
from statuspage.console.forms import ConsoleForm
from statuspage.console.reach_preview import REACH
from statuspage.console.template_picker import USE_TEMPLATE
from statuspage.core.errors import DomainError

INVALID = 422
SEE_OTHER = 303

T = TypeVar("T")


class Render(Protocol):
    """Re-render the composer's page with the posted form as typed, plus `extra` context."""

    def __call__(self, status: int = 200, **extra: Any) -> ResponseReturnValue: ...


# A step's builder: the extra context the page is re-rendered with.
Step = Callable[[], Mapping[str, Any]]


@dataclass(frozen=True)
class Composition(Generic[T]):
    """One composer: its form, its page, its steps and its use-case.

    `run` calls the use-case (raising DomainError to refuse); `outcome` says what happened as
    (message, category) for `flash`; `target` is where the browser goes next.
    """

    form: ConsoleForm
    render: Render
    run: Callable[[], T]
    outcome: Callable[[T], tuple[str, str]]
    target: Callable[[T], str]
    template: Step | None = None
    preview: Step | None = None
    reach: Step | None = None


def compose(composition: Composition[T]) -> ResponseReturnValue:
    """Answer a posted composer form: one of its steps, or the use-case and a redirect."""
    form = composition.form
    if not form.validate():
        return composition.render(INVALID)
    action = request.form.get("action")
    if action == USE_TEMPLATE and composition.template is not None:
        extra = composition.template()
        # A template that cannot be used (gone, or refused) is reported on its select.
        return composition.render(INVALID if form.error_for("template") else 200, **extra)
    if action == PREVIEW and composition.preview is not None:
        return composition.render(**composition.preview())
    if action == REACH and composition.reach is not None:
        return composition.render(**composition.reach())
    if action in (USE_TEMPLATE, PREVIEW, REACH):
        abort(400, description="This form does not offer that step; nothing was done. "
                               "Reload the page and use one of its buttons.")
    try:
        result = composition.run()
    except DomainError as error:
        form.add_error(error)
        return composition.render(INVALID)
    flash(*composition.outcome(result))
    return redirect(composition.target(result)), SEE_OTHER
