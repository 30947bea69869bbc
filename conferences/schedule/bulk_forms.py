"""Forms of the bulk changes (cancel days, move a series' remaining sessions)."""

from __future__ import annotations

from wtforms import DateField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional

from conferences.dbutil import parse_id
from conferences.formutil import PageForm


class PreviewedMixin:
    """The step after the preview: ``confirm`` is set and ``session_ids`` lists the
    sessions that were shown, so applying changes exactly those."""

    confirm = HiddenField()
    session_ids = HiddenField()

    @property
    def confirmed(self) -> bool:
        return self.confirm.data == "1"

    def shown_ids(self) -> set[int]:
        ids = (parse_id(part) for part in (self.session_ids.data or "").split(","))
        return {i for i in ids if i is not None}


class CancelDaysForm(PreviewedMixin, PageForm):
    first_on = DateField("First day", validators=[DataRequired()])
    last_on = DateField("Last day (leave empty for one day)", validators=[Optional()])
    reason = TextAreaField(
        "Reason (shown to everyone)",
        validators=[
            DataRequired(message="Say why the sessions are cancelled."),
            Length(max=2000, message="Keep the reason under 2,000 characters."),
        ],
    )


class MoveRemainingForm(PreviewedMixin, PageForm):
    from_on = DateField("From (this date onward)", validators=[DataRequired()])
    start_time = TimeField("New start (empty: keep)", validators=[Optional()])
    end_time = TimeField("New end (empty: keep)", validators=[Optional()])
    room = StringField("New room (empty: keep)", validators=[Length(max=200)])
