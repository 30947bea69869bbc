"""Forms for the schedule: one class per action."""

from __future__ import annotations

from datetime import time

from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from conferences import timeutil
from conferences.extensions import db
from conferences.formutil import CreateOnceMixin, PageForm, choices, date_in_range
from conferences.people.models import Firm, Track
from conferences.rotations.models import SETTING_LABELS, RotationType
from conferences.schedule.audience import Audience
from conferences.schedule.models import KIND_LABELS, TOPICS, Kind
from conferences.schedule.recurrence import ORDINALS, WEEKDAY_NAMES
from conferences.schedule.session_changes import end_following_start


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (easier than a multi-select on a phone)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


KIND_CHOICES = choices((kind.value, KIND_LABELS[kind]) for kind in Kind)
TOPIC_CHOICES = choices(TOPICS.items())
WEEKDAY_CHOICES = choices(enumerate(WEEKDAY_NAMES))
PGY_CHOICES = choices([(1, "PGY-1"), (2, "PGY-2"), (3, "PGY-3")])
CHECKIN_HELP = "Minutes; leave empty for the program default."


class AudienceMixin:
    """Who it is for: nothing ticked means all residents; across groups all must match."""

    pgy = MultiCheckboxField("PGY level", coerce=int, choices=PGY_CHOICES)
    firms = MultiCheckboxField("Firms", coerce=int, choices=[])
    tracks = MultiCheckboxField("Tracks", coerce=int, choices=[])
    settings = MultiCheckboxField("On a rotation in", choices=[])
    rotations = MultiCheckboxField("On the rotation", coerce=int, choices=[])

    def load_audience_choices(self) -> None:
        def options(model):
            stmt = select(model.id, model.name).order_by(model.name)
            if hasattr(model, "active"):
                stmt = stmt.where(model.active.is_(True))
            return choices(db.session.execute(stmt))

        self.firms.choices = options(Firm)
        self.tracks.choices = options(Track)
        self.rotations.choices = options(RotationType)
        self.settings.choices = choices((s.value, label) for s, label in SETTING_LABELS.items())

    def audience_json(self) -> dict:
        return Audience(
            pgy_levels=frozenset(self.pgy.data or []),
            firm_ids=frozenset(self.firms.data or []),
            track_ids=frozenset(self.tracks.data or []),
            rotation_settings=frozenset(self.settings.data or []),
            rotation_type_ids=frozenset(self.rotations.data or []),
        ).to_json()

    def fill_audience(self, data: dict | None) -> None:
        audience = Audience.from_json(data)
        self.pgy.data = sorted(audience.pgy_levels)
        self.firms.data = sorted(audience.firm_ids)
        self.tracks.data = sorted(audience.track_ids)
        self.settings.data = sorted(audience.rotation_settings)
        self.rotations.data = sorted(audience.rotation_type_ids)


class RepeatedTimeMixin:
    """On the night clocks go back, a start time such as 01:30 happens twice: the form
    then offers both ("first 01:30 (EDT)", "second 01:30 (EST)"); the view fills the
    choices (``timeutil.repeated_choices``) only for such a time."""

    repeated_time = RadioField(
        "That time happens twice that night: which one?", choices=[], validate_choice=False
    )

    def offer_repeated_times(self, day) -> None:
        start = self.start_time.data
        known = day is not None and start is not None and timeutil.in_range(day)
        if known and timeutil.is_repeated(day, start):
            self.repeated_time.choices = choices(timeutil.repeated_choices(day, start))
            return
        self.repeated_time.choices = []
        self.repeated_time.data = None

    @property
    def which(self) -> str | None:
        return self.repeated_time.data or None


class SessionFieldsMixin(AudienceMixin):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    kind = SelectField("Kind", choices=KIND_CHOICES)
    description = TextAreaField("Description", validators=[Length(max=10_000)])
    start_time = TimeField("Starts at", validators=[DataRequired()])
    end_time = TimeField("Ends at", validators=[DataRequired()])
    room = StringField("Room", validators=[Length(max=200)])
    video_url = StringField(
        "Video link", validators=[Optional(), URL(message="Enter a full https:// link.")]
    )
    required = BooleanField("Required (counts toward attendance)")
    topics = MultiCheckboxField("Curriculum topics", choices=TOPIC_CHOICES)
    checkin_opens_minutes = IntegerField(
        "Check-in opens (minutes before)", validators=[Optional(), NumberRange(0, 240)]
    )
    checkin_closes_minutes = IntegerField(
        "Check-in closes (minutes after start)", validators=[Optional(), NumberRange(0, 480)]
    )
    checkin_grace_minutes = IntegerField(
        "Late after (minutes after start)", validators=[Optional(), NumberRange(0, 240)]
    )

    def common_values(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "kind": self.kind.data,
            "description": self.description.data or "",
            "start_time": self.start_time.data,
            "end_time": self.end_time.data,
            "room": (self.room.data or "").strip(),
            "video_url": (self.video_url.data or "").strip(),
            "audience": self.audience_json(),
            "required": bool(self.required.data),
            "topics": list(self.topics.data or []),
            "checkin_opens_minutes": self.checkin_opens_minutes.data,
            "checkin_closes_minutes": self.checkin_closes_minutes.data,
            "checkin_grace_minutes": self.checkin_grace_minutes.data,
        }

    def fill_common(self, obj) -> None:
        for name in (
            "title",
            "kind",
            "description",
            "room",
            "video_url",
            "required",
            "checkin_opens_minutes",
            "checkin_closes_minutes",
            "checkin_grace_minutes",
        ):
            getattr(self, name).data = getattr(obj, name)
        self.topics.data = list(obj.topics or [])
        self.fill_audience(obj.audience)


class SeriesForm(CreateOnceMixin, SessionFieldsMixin, PageForm):
    public = BooleanField(
        "Public: anyone with the address, without signing in, can subscribe to the series' "
        "calendar feed and download its sessions as calendar files (the schedule pages "
        "stay for signed-in people)"
    )
    frequency = RadioField(
        "Repeats", choices=choices([("weekly", "Weekly"), ("monthly", "Monthly")]), default="weekly"
    )
    interval = IntegerField("Every", default=1, validators=[DataRequired(), NumberRange(1, 52)])
    weekdays = MultiCheckboxField("On", coerce=int, choices=WEEKDAY_CHOICES)
    month_week = SelectField(
        "Week of the month",
        coerce=int,
        choices=choices(ORDINALS.items()),
        default=1,
    )
    month_weekday = SelectField("Weekday", coerce=int, choices=WEEKDAY_CHOICES, default=0)
    starts_on = DateField("First date", validators=[DataRequired()])
    ends_on = DateField("Last date", validators=[DataRequired()])
    confirm_past = BooleanField("Yes, the first date is in the past on purpose")
    scope = RadioField(
        "Apply changes to",
        choices=choices(
            [
                ("upcoming", "Upcoming sessions"),
                ("all", "All sessions, past ones too"),
                ("none", "Only the series (sessions stay as they are)"),
            ]
        ),
        default="upcoming",
    )

    def series_values(self) -> dict:
        values = self.common_values()
        weekly = self.frequency.data == "weekly"
        values.update(
            public=bool(self.public.data),
            frequency=self.frequency.data,
            interval=self.interval.data or 1,
            weekdays=sorted(self.weekdays.data or []) if weekly else [],
            month_week=None if weekly else self.month_week.data,
            month_weekday=None if weekly else self.month_weekday.data,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data,
        )
        return values

    def fill_from(self, series) -> None:
        self.fill_common(series)
        for name in ("public", "frequency", "interval", "starts_on", "ends_on"):
            getattr(self, name).data = getattr(series, name)
        self.start_time.data = series.start_time
        self.end_time.data = series.end_time
        self.weekdays.data = list(series.weekdays or [])
        if series.month_week is not None:
            self.month_week.data = series.month_week
        if series.month_weekday is not None:
            self.month_weekday.data = series.month_weekday


class SessionForm(RepeatedTimeMixin, SessionFieldsMixin, PageForm):
    """The session editor: every value of one session, its date too (a move), in one form.

    ``shown_start``/``shown_end`` carry the times the form showed, so a new start moves
    the end by the same amount unless the end was changed too (``follow_start``).
    When the change needs a second look (``ConfirmationNeeded``) the form comes back with
    the warnings; "Save anyway" sends the same values with the warnings' token."""

    day = DateField("Date", validators=[DataRequired()])
    scope = RadioField(
        "Apply changes to",
        choices=choices([("this", "This session only"), ("following", "This and all following")]),
        default="this",
    )
    shown_start = HiddenField()
    shown_end = HiddenField()
    acknowledged = HiddenField()
    save_anyway = SubmitField("Save anyway")
    warnings: tuple[str, ...] = ()

    def fill_session(self, session) -> None:
        self.fill_common(session)
        self.day.data = timeutil.local_date(session.starts_at)
        start, end = timeutil.to_local(session.starts_at), timeutil.to_local(session.ends_at)
        self.start_time.data, self.end_time.data = start.time(), end.time()
        self._show_times()

    def _show_times(self) -> None:
        for field, hidden in ((self.start_time, self.shown_start), (self.end_time, self.shown_end)):
            hidden.data = field.data.strftime("%H:%M") if field.data else ""

    def follow_start(self) -> None:
        """Apply the end-follows-start rule to the sent times; what the form shows next
        is the baseline of the next change."""
        end = end_following_start(
            _parse_time(self.shown_start.data),
            _parse_time(self.shown_end.data),
            self.start_time.data,
            self.end_time.data,
        )
        if end is not None and end != self.end_time.data:
            self.end_time.data = end
            self.end_time.raw_data = [end.strftime("%H:%M")]
        self._show_times()

    def editor_values(self) -> dict:
        return {**self.common_values(), "day": self.day.data, "repeated_time": self.which}

    def ask_to_confirm(self, warnings: list[str], token: str) -> None:
        self.warnings = tuple(warnings)
        self.acknowledged.data = token

    @property
    def confirmation(self) -> str:
        """The token of the warnings the person chose to go on with, if they did."""
        return (self.acknowledged.data or "") if self.save_anyway.data else ""


def _parse_time(text: str | None) -> time | None:
    try:
        return time.fromisoformat(text) if text else None
    except ValueError:
        return None


class NewSessionForm(CreateOnceMixin, RepeatedTimeMixin, SessionFieldsMixin, PageForm):
    """A one-off session."""

    day = DateField("Date", validators=[DataRequired()])


class CancelForm(PageForm):
    reason = TextAreaField(
        "Reason (shown to everyone)",
        validators=[
            DataRequired(message="Say why the session is cancelled."),
            Length(max=2000, message="Keep the reason under 2,000 characters."),
        ],
    )


class ActionForm(PageForm):
    """A button that changes something: only the CSRF token."""


class HolidayForm(CreateOnceMixin, PageForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    starts_on = DateField("First day", validators=[DataRequired()])
    ends_on = DateField("Last day (for a blackout range)", validators=[Optional()])


class PrefillForm(PageForm):
    year = IntegerField(
        "Academic year starting in", validators=[DataRequired(), NumberRange(2000, 2100)]
    )
    # Filled from a series page: go back there afterwards.
    series = HiddenField()


class ImportForm(PageForm):
    file = FileField("Schedule CSV", validators=[FileRequired("Choose a CSV file.")])


class ApplyImportForm(CreateOnceMixin, PageForm):
    csv_text = HiddenField(validators=[DataRequired()])
    filename = HiddenField()


class BlackoutRowForm(Form):
    """One proposed program blackout for the new year: keep it, or change its dates."""

    include = BooleanField("Add", default=True)
    name = StringField("Name", validators=[Optional(), Length(max=200)])
    starts_on = DateField("From", validators=[Optional(), date_in_range])
    ends_on = DateField("To", validators=[Optional(), date_in_range])


class RollForwardForm(PageForm):
    """Carry the series into the next academic year: which series, blackouts, threshold."""

    to_year = HiddenField()
    series = MultiCheckboxField("Series to carry", choices=[])
    blackouts = FieldList(FormField(BlackoutRowForm), min_entries=0, max_entries=30)
    threshold = IntegerField(
        "Attendance threshold next year (%)", validators=[Optional(), NumberRange(0, 100)]
    )
    preview = SubmitField("Update preview")
    apply = SubmitField("Create next year's sessions")
