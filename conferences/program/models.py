"""Program-wide settings: one row, plus the attendance threshold per academic year."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, false
from sqlalchemy.orm import Mapped, mapped_column

from conferences.dbtypes import UTCDateTime
from conferences.extensions import db

DEFAULT_THRESHOLD_PERCENT = 70


class ProgramSettings(db.Model):
    __tablename__ = "program_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Days before a session after which a holder can no longer release a teaching slot.
    release_cutoff_days: Mapped[int] = mapped_column(default=7)
    late_counts_as_attended: Mapped[bool] = mapped_column(default=True)
    checkin_opens_minutes: Mapped[int] = mapped_column(default=15)
    checkin_closes_minutes: Mapped[int] = mapped_column(default=45)
    checkin_grace_minutes: Mapped[int] = mapped_column(default=10)
    claim_window_days: Mapped[int] = mapped_column(default=7)
    reminder_days_before: Mapped[int] = mapped_column(default=2)
    # Sessions starting within this many hours: a cancellation, move or new room is
    # e-mailed to everyone expected (calendar subscriptions may lag by a day). 0: never.
    change_alert_hours: Mapped[int] = mapped_column(default=48, server_default="48")
    # An alumnus's calendar feed: "past" keeps the sessions of their residency, "stop"
    # serves an empty calendar.
    alumni_feed: Mapped[str] = mapped_column(String(10), default="past", server_default="past")
    # /program shows the public series to anyone, signed in or not, only when this is on.
    public_program: Mapped[bool] = mapped_column(default=False, server_default=false())


class YearThreshold(db.Model):
    """Required-attendance threshold for one academic year (1 July of ``start_year``)."""

    __tablename__ = "year_thresholds"
    __table_args__ = (CheckConstraint("percent BETWEEN 0 AND 100", name="percent_range"),)

    start_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    percent: Mapped[int] = mapped_column(default=DEFAULT_THRESHOLD_PERCENT)


class ChangeCounter(db.Model):
    """Monotonic counters that caches key on (``schedule`` grows with any change a feed shows)."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class FormSubmission(db.Model):
    """A creating form that was sent, by its one-time key: a repeat (a double click, Back
    and send again, from any server process) finds it and answers with what was made."""

    __tablename__ = "form_submissions"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    what: Mapped[str] = mapped_column(String(40))
    result_url: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
