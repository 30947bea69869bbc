"""One form per attendance action."""

from wtforms import HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conferences.attendance.marks import MARK_LABELS
from conferences.formutil import PageForm, choices


class CheckinForm(PageForm):
    """A typed code from the screen."""

    code = StringField(
        "Check-in code",
        validators=[DataRequired(message="Type the code shown on the screen."), Length(max=40)],
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "autocorrect": "off",
            "spellcheck": "false",
            "inputmode": "text",
            "placeholder": "e.g. K7MQ2X",
        },
    )


class ConfirmCheckinForm(PageForm):
    """The one-tap button under a scanned QR code; the code rides along."""

    code = HiddenField(validators=[DataRequired(), Length(max=40)])


class MarkForm(PageForm):
    """Mark one resident (a row button) or all ticked rows."""

    resident_ids = SelectMultipleField("Residents", coerce=int, validate_choice=False)
    mark = SelectField(
        "Mark selected as",
        choices=choices(MARK_LABELS.items()),
        validators=[Optional()],
    )
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=500)])
    # A row's quick button sends "<resident id>:<mark>" here.
    single = HiddenField()


class ClearFlagForm(PageForm):
    reason = StringField("Note (optional)", validators=[Optional(), Length(max=400)])


class ClaimForm(PageForm):
    """ "I attended but could not check in"."""

    note = TextAreaField(
        "What happened?",
        validators=[
            DataRequired(message="Say briefly why you could not check in."),
            Length(max=1000),
        ],
        render_kw={"rows": 3, "placeholder": "e.g. My phone died; I sat in the back row."},
    )


class DecideClaimForm(PageForm):
    decision = HiddenField(validators=[DataRequired()])
    comment = StringField("Comment", validators=[Optional(), Length(max=1000)])
