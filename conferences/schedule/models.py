"""Conference series, their sessions, and the program's holidays."""

from __future__ import annotations

import enum
import secrets
import uuid
from datetime import date, datetime, time

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db
from conferences.schedule.video import effective_video_url


class Kind(enum.StrEnum):
    LECTURE = "lecture"
    CASE_BASED = "case_based"
    MORNING_REPORT = "morning_report"
    NOON_CONFERENCE = "noon_conference"
    GRAND_ROUNDS = "grand_rounds"
    MM = "mm"
    JOURNAL_CLUB = "journal_club"
    BOARD_REVIEW = "board_review"
    WORKSHOP = "workshop"
    SIMULATION = "simulation"
    OTHER = "other"


KIND_LABELS = {
    Kind.LECTURE: "Lecture",
    Kind.CASE_BASED: "Case-based discussion",
    Kind.MORNING_REPORT: "Morning report",
    Kind.NOON_CONFERENCE: "Noon conference",
    Kind.GRAND_ROUNDS: "Grand rounds",
    Kind.MM: "M&M",
    Kind.JOURNAL_CLUB: "Journal club",
    Kind.BOARD_REVIEW: "Board review",
    Kind.WORKSHOP: "Workshop",
    Kind.SIMULATION: "Simulation",
    Kind.OTHER: "Other",
}

# ABIM internal medicine content areas, used as curriculum topic tags.
TOPICS = {
    "cardiovascular": "Cardiovascular disease",
    "pulmonary": "Pulmonary disease and critical care",
    "gi": "Gastroenterology and hepatology",
    "nephrology": "Nephrology and urology",
    "hematology": "Hematology",
    "oncology": "Medical oncology",
    "infectious": "Infectious disease",
    "endocrine": "Endocrinology, diabetes and metabolism",
    "rheumatology": "Rheumatology and orthopedics",
    "allergy": "Allergy and immunology",
    "neurology": "Neurology",
    "psychiatry": "Psychiatry",
    "dermatology": "Dermatology",
    "geriatrics": "Geriatric syndromes",
    "general": "General internal medicine",
    "ophthalmology": "Ophthalmology and otolaryngology",
    "womens_health": "Women's health",
}


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Frequency(enum.StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Series(db.Model):
    __tablename__ = "series"
    __table_args__ = (CheckConstraint("interval >= 1", name="interval_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    start_time: Mapped[time]
    end_time: Mapped[time]
    room: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    # Audience as stored by ``conferences.schedule.audience.Audience.to_json``.
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    public: Mapped[bool] = mapped_column(default=False)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    # Recurrence: weekly on ``weekdays`` (0=Mon) every ``interval`` weeks, or monthly on the
    # ``month_week``-th (1..4, -1 = last) ``month_weekday``.
    frequency: Mapped[str] = mapped_column(String(10), default=Frequency.WEEKLY.value)
    interval: Mapped[int] = mapped_column(default=1)
    weekdays: Mapped[list] = mapped_column(JSON, default=list)
    month_week: Mapped[int | None] = mapped_column(default=None)
    month_weekday: Mapped[int | None] = mapped_column(default=None)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # Check-in window in minutes relative to the start; None uses the program default.
    checkin_opens_minutes: Mapped[int | None] = mapped_column(default=None)
    checkin_closes_minutes: Mapped[int | None] = mapped_column(default=None)
    checkin_grace_minutes: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)

    sessions: Mapped[list[Session]] = relationship(
        back_populates="series", order_by="Session.starts_at"
    )

    def __str__(self) -> str:
        return self.title

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(Kind(self.kind), self.kind)


class SeriesRemovedDate(db.Model):
    """A date of a series whose generated session was deleted: generating again leaves
    it out (as an iCalendar EXDATE would) until a coordinator brings it back."""

    __tablename__ = "series_removed_dates"

    series_id: Mapped[int] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    removed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class ScheduleImport(db.Model):
    """One applied schedule CSV, kept so the last import can be undone."""

    __tablename__ = "schedule_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    session_count: Mapped[int] = mapped_column(default=0)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class YearRollover(db.Model):
    """One roll-forward of series into academic year ``to_year`` (1 July of that year),
    kept so it can be undone while none of its sessions has records. ``details`` holds what
    undoing needs: each carried series' previous window and the holidays it added."""

    __tablename__ = "year_rollovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_year: Mapped[int] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    session_count: Mapped[int] = mapped_column(default=0)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


def new_public_id() -> str:
    return str(uuid.uuid4())


def new_checkin_secret() -> str:
    return secrets.token_hex(20)


class Session(db.Model):
    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_sessions_starts_at", "starts_at"),
        UniqueConstraint("series_id", "occurrence_on", name="uq_sessions_series_occurrence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("series.id", ondelete="SET NULL"), index=True
    )
    # The local date the recurrence produced; a moved session keeps it, so regenerating
    # the series does not create the occurrence again.
    occurrence_on: Mapped[date | None] = mapped_column(default=None)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    room: Mapped[str] = mapped_column(String(200), default="")
    video_url: Mapped[str] = mapped_column(String(500), default="")
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED.value)
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    # Edited on its own: later series edits leave its values alone.
    detached: Mapped[bool] = mapped_column(default=False)
    # Grows with every change; calendar feeds publish it as SEQUENCE.
    revision: Mapped[int] = mapped_column(default=0)
    checkin_opens_minutes: Mapped[int | None] = mapped_column(default=None)
    checkin_closes_minutes: Mapped[int | None] = mapped_column(default=None)
    checkin_grace_minutes: Mapped[int | None] = mapped_column(default=None)
    checkin_secret: Mapped[str] = mapped_column(String(64), default=new_checkin_secret)
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("schedule_imports.id", ondelete="SET NULL"), default=None, index=True
    )
    # The roll-forward into a new academic year that created it (``YearRollover.id``; undone
    # as a whole). No foreign key: roll-forwards are never deleted, and SQLite adds and drops
    # a plain column in place, without copying a table that others refer to.
    rollover_id: Mapped[int | None] = mapped_column(default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)

    series: Mapped[Series | None] = relationship(back_populates="sessions")
    topic_rows: Mapped[list[SessionTopic]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    def __str__(self) -> str:
        return self.title

    @property
    def effective_video_url(self) -> str:
        """The meeting link: the session's own, else its series' (``schedule.video``)."""
        return effective_video_url(self.video_url, self.series.video_url if self.series else "")

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED.value

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(Kind(self.kind), self.kind)

    @property
    def topics(self) -> list[str]:
        return sorted(t.topic for t in self.topic_rows)

    @property
    def duration_hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


class SessionTopic(db.Model):
    __tablename__ = "session_topics"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
    topic: Mapped[str] = mapped_column(String(30), primary_key=True)


class Holiday(db.Model):
    """A day or a blackout range (winter break) on which series generate no sessions."""

    __tablename__ = "holidays"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="end_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # "federal" rows were prefilled from the holidays package; "program" rows were entered.
    source: Mapped[str] = mapped_column(String(20), default="program")
