"""Forms of the My calendar page."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice

from conferences.formutil import PageForm

ALARM_LABELS = {
    "": "No reminder",
    "10": "10 minutes before",
    "15": "15 minutes before",
    "30": "30 minutes before",
    "60": "1 hour before",
}


class AlarmForm(PageForm):
    alarm = SelectField(
        "Reminder before each session",
        choices=[SelectChoice(value, label) for value, label in ALARM_LABELS.items()],
    )
    submit = SubmitField("Save reminder")

    @property
    def minutes(self) -> int | None:
        return int(self.alarm.data) if self.alarm.data else None


class ResetTokenForm(PageForm):
    submit = SubmitField("Reset my feed address")


class FollowForm(PageForm):
    """Follow or unfollow one series (the series is in the URL)."""

    submit = SubmitField("Follow")


class BlocksForm(PageForm):
    """Rotation blocks in the feed (off unless the person turns them on)."""

    include_blocks = BooleanField("Add my rotation blocks (all-day, shown as free)")
    submit = SubmitField("Save")
