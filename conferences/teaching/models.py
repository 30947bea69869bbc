"""Teaching slots on sessions, the series' slot templates, and session feedback."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Series, Session


class SlotRole(enum.StrEnum):
    LECTURER = "lecturer"
    CASE_PRESENTER = "case_presenter"
    DISCUSSANT = "discussant"
    MODERATOR = "moderator"
    JOURNAL_CLUB_PRESENTER = "journal_club_presenter"
    FACILITATOR = "facilitator"
    OTHER = "other"


SLOT_ROLE_LABELS = {
    SlotRole.LECTURER: "Lecturer",
    SlotRole.CASE_PRESENTER: "Case presenter",
    SlotRole.DISCUSSANT: "Discussant",
    SlotRole.MODERATOR: "Moderator",
    SlotRole.JOURNAL_CLUB_PRESENTER: "Journal club presenter",
    SlotRole.FACILITATOR: "Facilitator",
    SlotRole.OTHER: "Other",
}


class Eligibility(enum.StrEnum):
    FACULTY = "faculty"
    RESIDENT = "resident"
    BOTH = "both"


class SlotTemplate(db.Model):
    __tablename__ = "slot_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    eligibility: Mapped[str] = mapped_column(String(10), default=Eligibility.FACULTY.value)
    position: Mapped[int] = mapped_column(default=0)

    series: Mapped[Series] = relationship()


class TeachingSlot(db.Model):
    __tablename__ = "teaching_slots"
    __table_args__ = (Index("ix_teaching_slots_holder", "holder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(30))
    eligibility: Mapped[str] = mapped_column(String(10), default=Eligibility.FACULTY.value)
    position: Mapped[int] = mapped_column(default=0)
    # Claimed with a conditional UPDATE (... WHERE holder_id IS NULL), so one claim wins.
    holder_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    talk_title: Mapped[str] = mapped_column(String(300), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    materials_url: Mapped[str] = mapped_column(String(500), default="")
    # The holder offers the slot to others but keeps it until someone takes it.
    swap_offered: Mapped[bool] = mapped_column(default=False)
    # After the cut-off the holder can only ask the coordinator to release it.
    release_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    release_request_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)

    session: Mapped[Session] = relationship()
    holder: Mapped[User | None] = relationship(lazy="joined")

    @property
    def role_label(self) -> str:
        return SLOT_ROLE_LABELS.get(SlotRole(self.role), self.role)

    @property
    def is_open(self) -> bool:
        return self.holder_id is None or self.swap_offered


class Feedback(db.Model):
    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("session_id", "resident_id", name="uq_feedback_session_resident"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), index=True
    )
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rating: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
