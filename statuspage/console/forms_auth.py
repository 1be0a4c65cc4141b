"""Forms for logging in, the user's own account, and user administration.

They share ConsoleForm (statuspage/console/forms.py) so errors render with the same macros.
"""

from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # stubs lack it
from wtforms.validators import DataRequired, EqualTo, Length

from statuspage.accounts.users import MIN_PASSWORD
from statuspage.console.forms import ConsoleForm

ROLE_CHOICES = [
    SelectChoice("viewer", "Viewer: read only"),
    SelectChoice("communicator", "Communicator: incidents, updates, maintenance, subscribers"),
    SelectChoice("admin", "Admin: everything, including users"),
]
# Long enough for any real password, short enough that argon2 is never fed megabytes.
_PASSWORD_MAX = 1024


class LoginForm(ConsoleForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=_PASSWORD_MAX)])
    next = HiddenField()


class SecondFactorForm(ConsoleForm):
    code = StringField("Code from your authenticator app, or a recovery code",
                       validators=[DataRequired(), Length(max=32)])


class PasswordChangeForm(ConsoleForm):
    current_password = PasswordField("Current password",
                                     validators=[DataRequired(), Length(max=_PASSWORD_MAX)])
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD, max=_PASSWORD_MAX)]
    )
    confirm_password = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", "The two passwords differ.")],
    )


class TotpConfirmForm(ConsoleForm):
    code = StringField("6-digit code", validators=[DataRequired(), Length(min=6, max=8)])


class TotpDisableForm(ConsoleForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=_PASSWORD_MAX)])


class UserCreateForm(ConsoleForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[Length(max=255)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="viewer")


class UserRoleForm(ConsoleForm):
    role = SelectField("Role", choices=ROLE_CHOICES)


class PhoneForm(ConsoleForm):
    phone = StringField("Mobile phone (for SMS reminders)", validators=[Length(max=40)])
