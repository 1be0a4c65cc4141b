"""Console forms for subscribers: add one, import a CSV file (see forms.py for the approach)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it

from statuspage.console.forms import ConsoleForm
from statuspage.core.numbers import form_id
from statuspage.subscriptions.admin import NewSubscriber
from statuspage.subscriptions.chat import PROVIDER_NAMES

CHANNEL_CHOICES = [SelectChoice("email", "Email"), SelectChoice("sms", "Text message (SMS)"),
                   SelectChoice("webhook", "Webhook"),
                   *(SelectChoice(provider, f"Chat: {name}")
                     for provider, name in PROVIDER_NAMES.items())]
PRECONFIRMED_LABEL = "Pre-confirmed: consent obtained elsewhere (no confirmation is sent)"


class SubscriberForm(ConsoleForm):
    channel = SelectField("Channel", choices=CHANNEL_CHOICES, validate_choice=False)
    address = StringField("Address (email, phone number, https URL or the chat channel's "
                          "incoming webhook URL)")
    components = SelectMultipleField("Components (none chosen: all of them)", coerce=form_id,
                                     validate_choice=False)
    language = StringField("Language", default="en")
    pre_confirmed = BooleanField(PRECONFIRMED_LABEL)
    consent_note = TextAreaField("How and when did they agree?")

    def to_input(self) -> NewSubscriber:
        return NewSubscriber(
            channel=self.channel.data or "",
            address=self.address.data or "",
            component_ids=list(self.components.data or []),
            language=self.language.data or "",
            pre_confirmed=bool(self.pre_confirmed.data),
            consent_note=self.consent_note.data or "",
        )


class ImportForm(ConsoleForm):
    file = FileField("CSV file")
    pre_confirmed = BooleanField("The list is pre-confirmed: consent obtained elsewhere "
                                 "(no confirmations are sent)")
    consent_note = TextAreaField("How and when did they agree?")


class PersonForm(ConsoleForm):
    """The privacy page: whose data to look up, export or erase."""

    address = StringField("Email address, phone number or webhook URL")
    # The erasure's second step: set by the confirmation page's button.
    confirm = StringField()
