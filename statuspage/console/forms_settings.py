"""The page settings form (admin only): parses what was typed; page.settings validates."""

from __future__ import annotations

import re

import phonenumbers
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it
from wtforms.validators import Optional

from statuspage.console.forms import ConsoleForm
from statuspage.notify.addresses import country_names
from statuspage.page.settings import PageSettingsInput


class PageSettingsForm(ConsoleForm):
    name = StringField("Page name")
    url = StringField("Public address of the page")
    time_zone = StringField("Time zone")
    logo_url = StringField("Logo URL")
    accent_color = StringField("Accent colour")
    allow_email_subscribers = BooleanField("Allow email subscriptions")
    allow_sms_subscribers = BooleanField("Allow SMS subscriptions")
    allow_webhook_subscribers = BooleanField("Allow webhook subscriptions")
    allow_incident_subscribers = BooleanField("Allow following one incident")
    sms_allowed_countries = StringField("Countries SMS subscribers may sign up from")
    # Choices: set_country_choices (the allowed countries); the use-case checks the value.
    sms_default_country = SelectField("Country of numbers without a country code",
                                      validate_choice=False)
    # Optional(): an empty box reaches the use-case (None) and gets its message there.
    sms_daily_signup_budget = IntegerField("SMS signups per day", validators=[Optional()])
    email_footer = TextAreaField("Email footer (markdown)")

    def to_input(self) -> PageSettingsInput:
        return PageSettingsInput(
            name=self.name.data or "",
            url=self.url.data or "",
            time_zone=self.time_zone.data or "",
            logo_url=self.logo_url.data or "",
            accent_color=self.accent_color.data or "",
            allow_email_subscribers=bool(self.allow_email_subscribers.data),
            allow_sms_subscribers=bool(self.allow_sms_subscribers.data),
            allow_webhook_subscribers=bool(self.allow_webhook_subscribers.data),
            allow_incident_subscribers=bool(self.allow_incident_subscribers.data),
            sms_allowed_countries=self.sms_allowed_countries.data or "",
            sms_default_country=self.sms_default_country.data or "",
            sms_daily_signup_budget=self.sms_daily_signup_budget.data,
            email_footer=self.email_footer.data or "",
        )


    def set_country_choices(self) -> None:
        """The allowed countries as typed (known codes only), and "" for the first of them."""
        typed = re.split(r"[\s,;]+", (self.sms_allowed_countries.data or "").upper())
        codes = list(dict.fromkeys(c for c in typed if c in phonenumbers.SUPPORTED_REGIONS))
        first = f" ({country_names(codes[:1])})" if codes else ""
        choices = [SelectChoice("", f"The first allowed country{first}")]
        choices += [SelectChoice(code, country_names([code])) for code in codes]
        chosen = (self.sms_default_country.data or "").upper()
        if chosen and chosen not in codes:  # kept as sent, so its error shows beside it
            choices.append(SelectChoice(chosen, chosen))
        self.sms_default_country.choices = choices


class LogoForm(ConsoleForm):
    """The logo upload; statuspage.page.logos decides what the bytes are."""

    logo_file = FileField("Upload a logo")
