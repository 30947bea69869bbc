"""Forms for the admin pages: one class per action."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conferences.formutil import PageForm, choices
from conferences.people.models import Role
from conferences.people.passwords import MIN_PASSWORD_LENGTH

ROLE_CHOICES = [
    SelectChoice(Role.RESIDENT.value, "Resident"),
    SelectChoice(Role.FACULTY.value, "Faculty"),
    SelectChoice(Role.COORDINATOR.value, "Coordinator"),
    SelectChoice(Role.ADMIN.value, "Admin"),
]
MAX_ROSTER_BYTES = 2 * 1024 * 1024


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UserFilterForm(PageForm):
    """The people list's search box and filters (read from the query string)."""

    class Meta:
        csrf = False

    q = SearchField("Search", validators=[Optional(), Length(max=100)])
    role = SelectField(
        "Role", choices=[SelectChoice("", "Any role"), *ROLE_CHOICES], validate_choice=False
    )
    firm_id = SelectField("Firm", coerce=_optional_int, validate_choice=False)
    pgy = SelectField(
        "PGY",
        choices=[SelectChoice(None, "Any PGY")]
        + [SelectChoice(level, f"PGY-{level}") for level in (1, 2, 3)],
        coerce=_optional_int,
        validate_choice=False,
    )
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("active", "Active"),
            SelectChoice("inactive", "Inactive"),
            SelectChoice("all", "All"),
        ],
        default="active",
        validate_choice=False,
    )


class UserForm(PageForm):
    """Create or edit an account."""

    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    roles = CheckboxListField("Roles", choices=ROLE_CHOICES)
    start_year = IntegerField(
        "Start year (PGY-1 year)",
        validators=[Optional(), NumberRange(min=1900, max=2200)],
    )
    track_id = SelectField("Track", coerce=_optional_int)
    firm_id = SelectField("Firm", coerce=_optional_int)
    graduates_on = DateField("Last day of residency", validators=[Optional()])
    submit = SubmitField("Save")


class NewUserForm(UserForm):
    password = PasswordField(
        "Initial password (optional)",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
    )


class ResetPasswordForm(PageForm):
    new_password = PasswordField(
        "New password", validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )
    submit = SubmitField("Set password")


class ConfirmForm(PageForm):
    """A bare button (deactivate, reactivate): only the CSRF token."""

    submit = SubmitField("Confirm")


class GroupForm(PageForm):
    """Add or rename a firm or a track."""

    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    submit = SubmitField("Save")


class TrackYearsForm(PageForm):
    """How many academic years residents on a track stay."""

    years = IntegerField("Years", validators=[InputRequired(), NumberRange(min=1, max=7)])


class SettingsForm(PageForm):
    name = StringField("Program name", validators=[DataRequired(), Length(max=200)])
    release_cutoff_days = IntegerField(
        "Release cut-off (days before the session)", validators=[InputRequired()]
    )
    late_counts_as_attended = BooleanField("A late check-in counts as attended")
    checkin_opens_minutes = IntegerField(
        "Check-in opens (minutes before start)", validators=[InputRequired()]
    )
    checkin_grace_minutes = IntegerField(
        "Grace period (minutes after start, then late)", validators=[InputRequired()]
    )
    checkin_closes_minutes = IntegerField(
        "Check-in closes (minutes after start)", validators=[InputRequired()]
    )
    claim_window_days = IntegerField(
        "Attendance claims accepted for (days)", validators=[InputRequired()]
    )
    reminder_days_before = IntegerField(
        "Remind teachers (days before)", validators=[InputRequired()]
    )
    change_alert_hours = IntegerField(
        "E-mail changes to sessions starting within (hours)", validators=[InputRequired()]
    )
    alumni_feed = SelectField(
        "After residency, a graduate's calendar feed",
        choices=choices(
            [
                ("past", "keeps the sessions of their residency"),
                ("stop", "stops (an empty calendar)"),
            ]
        ),
    )
    public_program = BooleanField("Publish the public series at /program, without sign-in")
    submit = SubmitField("Save settings")

    FIELDS = (
        "name",
        "release_cutoff_days",
        "late_counts_as_attended",
        "checkin_opens_minutes",
        "checkin_grace_minutes",
        "checkin_closes_minutes",
        "claim_window_days",
        "reminder_days_before",
        "change_alert_hours",
        "alumni_feed",
        "public_program",
    )

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in self.FIELDS}


class ThresholdForm(PageForm):
    start_year = SelectField("Academic year", coerce=int)
    percent = IntegerField(
        "Required attendance (%)", validators=[InputRequired(), NumberRange(min=0, max=100)]
    )
    submit = SubmitField("Save threshold")


class RosterUploadForm(PageForm):
    file = FileField(
        "Roster file (CSV)",
        validators=[
            FileRequired("Choose a CSV file."),
            FileAllowed(["csv", "txt"], "Upload a .csv file."),
            FileSize(MAX_ROSTER_BYTES, message="The file is larger than 2 MB."),
        ],
    )
    submit = SubmitField("Check file")


class RosterApplyForm(PageForm):
    """Carries the checked file, signed, from the preview to the apply step."""

    token = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Apply import")
