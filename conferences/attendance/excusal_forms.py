"""Forms for excusals: one class per action."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conferences.attendance.excusals import reason_choices
from conferences.formutil import CreateOnceMixin, PageForm, choices


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RequestExcusalForm(CreateOnceMixin, PageForm):
    mode = RadioField(
        "Excuse me from",
        choices=choices(
            [("dates", "All required sessions on some days"), ("sessions", "Chosen sessions")]
        ),
        default="dates",
    )
    starts_on = DateField("First day", validators=[Optional()])
    ends_on = DateField("Last day", validators=[Optional()])
    sessions = MultiCheckboxField("Sessions", coerce=int, choices=[], validate_choice=False)
    reason = SelectField("Reason", choices=choices(reason_choices()), validators=[DataRequired()])
    note = TextAreaField("Note for the coordinators", validators=[Length(max=2000)])
    confirm = BooleanField("Send it anyway", default=False)
    submit = SubmitField("Send request")


class GrantExcusalForm(PageForm):
    resident = SelectField("Resident", coerce=int, choices=[], validators=[DataRequired()])
    starts_on = DateField("First day", validators=[DataRequired()])
    ends_on = DateField("Last day", validators=[DataRequired()])
    reason = SelectField("Reason", choices=choices(reason_choices()), validators=[DataRequired()])
    note = TextAreaField("Note", validators=[Length(max=2000)])
    comment = TextAreaField("Comment to the resident", validators=[Length(max=2000)])
    submit = SubmitField("Grant excusal")


class DecideExcusalForm(PageForm):
    comment = TextAreaField("Comment", validators=[Length(max=2000)])
    approve = SubmitField("Approve")
    deny = SubmitField("Deny")


class RevokeExcusalForm(PageForm):
    comment = TextAreaField("Why", validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField("Revoke")


class WithdrawExcusalForm(PageForm):
    submit = SubmitField("Withdraw")
