"""Console forms for incidents and scheduled maintenance (see forms.py for the approach)."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it
from wtforms.validators import Optional

from statuspage.console.forms import LOCAL_FORMATS, ConsoleForm
from statuspage.core.numbers import form_id
from statuspage.models import Severity
from statuspage.models.status import STATUS_LABELS

SEVERITY_CHOICES = [
    SelectChoice(Severity.SEV1.value, "SEV1: critical"),
    SelectChoice(Severity.SEV2.value, "SEV2: major"),
    SelectChoice(Severity.SEV3.value, "SEV3: minor"),
    SelectChoice(Severity.SEV4.value, "SEV4: no customer impact"),
]
OPEN_STATUSES = ("investigating", "identified", "monitoring")
OPEN_STATUS_CHOICES = [SelectChoice(s, STATUS_LABELS[s]) for s in OPEN_STATUSES]
VISIBILITY_CHOICES = [SelectChoice("public", "Public"), SelectChoice("internal", "Internal only")]
# Each composer's SMS wording (IncidentUpdate.sms_body); empty: made from the message.
SMS_TEXT = "SMS text (optional)"


class UpdateFields(ConsoleForm):
    """The composer's fields shared by a first and a further update."""

    status = SelectField("Status", choices=OPEN_STATUS_CHOICES, validate_choice=False)
    body = TextAreaField("Message (markdown)")
    deliver_notifications = BooleanField("Notify subscribers", default=True)
    sms_body = TextAreaField(SMS_TEXT)


class RoleFields(ConsoleForm):
    """The incident roles; the choices (active console users) are set by the view."""

    commander_id = SelectField("Incident commander", validate_choice=False)
    comms_lead_id = SelectField("Communications lead", validate_choice=False)


class RolesForm(RoleFields):
    pass


class IncidentForm(UpdateFields, RoleFields):
    name = StringField("Title")
    severity = SelectField("Severity", choices=SEVERITY_CHOICES, validate_choice=False,
                           default=Severity.SEV3.value)
    started_at = DateTimeLocalField("Started at (leave empty for now)", format=LOCAL_FORMATS,
                                    validators=[Optional()])


class UpdateForm(UpdateFields):
    visibility = SelectField("Visibility", choices=VISIBILITY_CHOICES, validate_choice=False)


class ResolveForm(ConsoleForm):
    body = TextAreaField("Message (markdown)")
    sms_body = TextAreaField(SMS_TEXT)
    restore_components = BooleanField("Return affected components to operational", default=True)


class MaintenanceForm(ConsoleForm):
    name = StringField("Title")
    scheduled_for = DateTimeLocalField("Window starts", format=LOCAL_FORMATS,
                                       validators=[Optional()])
    scheduled_until = DateTimeLocalField("Window ends", format=LOCAL_FORMATS,
                                         validators=[Optional()])
    components = SelectMultipleField("Affected components", coerce=form_id, validate_choice=False)
    body = TextAreaField("Message (markdown)")
    auto_start = BooleanField("Start automatically at the window's start")
    auto_complete = BooleanField("Complete automatically at the window's end")
    auto_transition_components = BooleanField(
        "Set the components to under maintenance at the start and operational at the end")
    remind_before_minutes = IntegerField("Remind subscribers this many minutes before the start",
                                         validators=[Optional()])
    deliver_notifications = BooleanField("Notify subscribers", default=True)
    sms_body = TextAreaField(SMS_TEXT)


class MaintenanceActionForm(ConsoleForm):
    body = TextAreaField("Message (optional, markdown)")
    sms_body = TextAreaField(SMS_TEXT)
    set_components = BooleanField("Set affected components to under maintenance", default=True)
    restore_components = BooleanField("Return affected components to operational", default=True)
