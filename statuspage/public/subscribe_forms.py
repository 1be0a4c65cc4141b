"""Forms of the subscribe and manage pages: parse what was typed, keep it for re-rendering.

The use-cases decide what is valid; a form only carries the raw values and the messages,
which a DomainError attaches to the field it names.
"""

from __future__ import annotations

from typing import Any

from wtforms import HiddenField, SelectMultipleField, StringField

from statuspage.core.errors import DomainError
from statuspage.web.forms_base import HtmlForm


class PublicForm(HtmlForm):
    """A CSRF-protected form whose errors can come from a use-case."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.general_errors: list[str] = []

    def add_error(self, error: DomainError | str, field: str | None = None) -> None:
        """Show a message next to its field, or above the form when it names none."""
        message = error.message if isinstance(error, DomainError) else error
        name = error.field if isinstance(error, DomainError) else field
        target = self._fields.get(name or "")
        if target is not None:
            target.errors = [*target.errors, message]
        else:
            self.general_errors.append(message)

    def messages(self) -> list[str]:
        """Every message on the form, for the summary at its top."""
        found = list(self.general_errors)
        for field in self:
            found.extend(e for e in field.errors if isinstance(e, str))
        return found


class SubscribeForm(PublicForm):
    channel = HiddenField()
    address = StringField()
    # Checkbox values are component ids; unknown ones reach the use-case, which refuses them.
    components = SelectMultipleField(coerce=str, validate_choice=False)


class FollowForm(PublicForm):
    """"Get updates on this incident": a channel (email or SMS) and an address."""

    channel = HiddenField()
    address = StringField()


class CodeForm(PublicForm):
    code = StringField("Code")


class ComponentsForm(PublicForm):
    components = SelectMultipleField(coerce=str, validate_choice=False)


class ButtonForm(PublicForm):
    """A form that is only a button (confirm, unsubscribe, resend): the CSRF token."""
