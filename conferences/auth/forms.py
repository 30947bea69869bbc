from wtforms import BooleanField, EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from conferences.formutil import PageForm
from conferences.people.passwords import MIN_PASSWORD_LENGTH


class LoginForm(PageForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    remember = BooleanField("Keep me signed in on this device", default=True)
    submit = SubmitField("Sign in")


class ChangePasswordForm(PageForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )
    submit = SubmitField("Change password")


class SignOutEverywhereForm(PageForm):
    submit = SubmitField("Sign out everywhere")


class ChangeAlertsForm(PageForm):
    """One's own short-notice change alerts, on or off."""

    change_alerts = BooleanField(
        "E-mail me at once when a session I am expected at is cancelled, moved or changes "
        "room shortly before it starts"
    )
    submit = SubmitField("Save alerts")
