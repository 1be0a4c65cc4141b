"""Console forms for alert intake: a source, its Grafana signing secret, a label mapping."""

from __future__ import annotations

from collections.abc import Iterable

from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it
from wtforms.validators import Length

from statuspage.alerts.mappings import SUGGESTED_STATUSES
from statuspage.alerts.sources import DEFAULT_TIMESTAMP_HEADER
from statuspage.console.forms import ConsoleForm
from statuspage.console.forms_incidents import SEVERITY_CHOICES
from statuspage.core.numbers import form_id
from statuspage.models import AlertSource, Component, ComponentStatus

KIND_CHOICES = [
    SelectChoice("alertmanager", "Prometheus Alertmanager (webhook_config)"),
    SelectChoice("grafana", "Grafana (webhook contact point)"),
    SelectChoice("generic", "Generic JSON"),
]
SUGGESTED_CHOICES = [SelectChoice(s, ComponentStatus(s).label) for s in SUGGESTED_STATUSES]


def _optional_id(value: object) -> int | None:
    if value in (None, "", "None"):
        return None
    return form_id(str(value))


class SourceForm(ConsoleForm):
    # Lengths and choices are checked by the use-case, whose message is the one shown.
    name = StringField("Name", validators=[Length(max=1000)])
    kind = SelectField("Sends", choices=KIND_CHOICES, default="alertmanager",
                       validate_choice=False)
    default_severity = SelectField("Severity proposed for alerts no mapping matches",
                                   choices=SEVERITY_CHOICES, default="SEV3",
                                   validate_choice=False)


class HmacForm(ConsoleForm):
    timestamp_header = StringField("Timestamp header", default=DEFAULT_TIMESTAMP_HEADER,
                                   validators=[Length(max=1000)])


class MappingForm(ConsoleForm):
    label = StringField("Alert label", validators=[Length(max=1000)])
    component_id = SelectField("Component", coerce=_optional_id, validate_choice=False)
    severity = SelectField("Severity proposed", choices=SEVERITY_CHOICES, default="SEV2",
                           validate_choice=False)
    component_status = SelectField("Status suggested", choices=SUGGESTED_CHOICES,
                                   default="partial_outage", validate_choice=False)
    automatic = BooleanField("Automatic component status: a firing alert sets this status on "
                             "the page, and its resolution reverts it")
    source_id = SelectField("From", coerce=_optional_id, validate_choice=False)

    def set_choices(self, components: Iterable[Component],
                    sources: Iterable[AlertSource]) -> None:
        self.component_id.choices = [SelectChoice("", "Choose a component")] + [
            SelectChoice(str(c.id), c.display_name) for c in components]
        self.source_id.choices = [SelectChoice("", "Any source")] + [
            SelectChoice(str(s.id), s.name) for s in sources if s.is_active]
