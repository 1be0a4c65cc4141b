"""Console forms: parse and coerce what was typed; the use-cases decide what is valid.

Choice fields do not validate their choices (`validate_choice=False`) so that an unknown
severity or status reaches the use-case, whose DomainError message is the one shown. Forms
only turn text into dates, numbers and booleans, and keep the raw input for re-rendering.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it
from wtforms.validators import Optional

from statuspage.core.errors import DomainError
from statuspage.core.numbers import form_id, whole_number
from statuspage.core.timefmt import out_of_range_message, year_in_range
from statuspage.models import Component, ComponentStatus
from statuspage.web.forms_base import HtmlForm

# datetime-local inputs submit `2024-05-01T14:30`; the first format is also the one rendered.
LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
COMPONENT_STATUS_CHOICES = [SelectChoice(s.value, s.label) for s in ComponentStatus]


class ConsoleForm(HtmlForm):
    """A form that can also carry errors for names that are not fields (e.g. `components`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra_errors: dict[str, list[str]] = {}

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        """WTForms' checks, and every date within the years the service accepts."""
        valid = super().validate(extra_validators)
        for field in self:
            if isinstance(field.data, date) and not year_in_range(field.data):
                field.errors = [*field.errors, out_of_range_message()]
                valid = False
        return valid

    def add_error(self, error: DomainError) -> None:
        """Attach a use-case's error to the field it names, or to the form as a whole."""
        name = error.field or ""
        field = self._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, error.message]
        elif name:
            self.extra_errors.setdefault(name, []).append(error.message)
        else:
            self.form_errors.append(error.message)

    def error_for(self, name: str) -> list[str]:
        field = self._fields.get(name)
        if field is not None:
            return list(field.errors)
        return self.extra_errors.get(name, [])

    def all_errors(self) -> list[str]:
        """Every message, for the summary at the top of the form."""
        messages = list(self.form_errors)
        for field in self:
            messages.extend(e for e in field.errors if isinstance(e, str))
        for extra in self.extra_errors.values():
            messages.extend(extra)
        return messages


def _optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    number = whole_number(str(value))
    return -1 if number is None else number  # -1 names no group: the use-case refuses it


class ComponentForm(ConsoleForm):
    name = StringField("Name")
    description = TextAreaField("Description")
    group_id = SelectField("Group", coerce=_optional_int, validate_choice=False)
    status = SelectField("Status", choices=COMPONENT_STATUS_CHOICES, validate_choice=False,
                         default=ComponentStatus.OPERATIONAL.value)
    showcase = BooleanField("Show the 90-day uptime bar", default=True)
    only_show_if_degraded = BooleanField("Only show when it is not operational")
    start_date = DateField("In use since", validators=[Optional()])

    def set_groups(self, groups: Iterable[Component]) -> None:
        self.group_id.choices = [SelectChoice("", "No group")] + [
            SelectChoice(str(g.id), g.name) for g in groups
        ]


class GroupForm(ConsoleForm):
    name = StringField("Name")
    description = TextAreaField("Description")
    components = SelectMultipleField("Components in this group", coerce=form_id,
                                     validate_choice=False)


class DeleteForm(ConsoleForm):
    children = RadioField(
        "Its components",
        choices=[SelectChoice("ungroup", "Move them to the top level"),
                 SelectChoice("delete", "Delete them too")],
        default="ungroup",
        validate_choice=False,
    )


def to_utc(value: datetime | None, zone_name: str, field: str) -> datetime | None:
    """Read a naive wall-clock time typed in the page's zone as an aware UTC datetime.

    A time that a spring-forward clock change skips does not exist there; it is refused
    rather than silently shifted by an hour. An ambiguous autumn time takes its first
    occurrence (fold=0), the reading people expect.
    """
    if value is None:
        return None
    zone = ZoneInfo(zone_name)
    local = value.replace(tzinfo=zone)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != value:
        raise DomainError(f"This time does not exist in {zone_name} (the clocks change).",
                          field)
    return local.astimezone(UTC)


def component_statuses(formdata: Mapping[str, str],
                       components: Iterable[Component]) -> dict[int, str]:
    """The `component-<id>` selects that name a status; an empty select means unaffected."""
    chosen: dict[int, str] = {}
    for component in components:
        value = formdata.get(f"component-{component.id}", "")
        if value:
            chosen[component.id] = value
    return chosen
