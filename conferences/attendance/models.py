"""Attendance marks, their audit trail, "I attended" claims and excusals."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Session


class Mark(enum.StrEnum):
    """What is recorded for a resident at a session. No row means not seen (absent)."""

    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"


class Source(enum.StrEnum):
    CHECKIN = "checkin"
    MANUAL = "manual"
    CLAIM = "claim"


class Mode(enum.StrEnum):
    """How a resident took part: in the room, by video, or by watching the recording.
    Whether remote and recording count as attended is the program's choice per academic
    year (``attendance.hybrid``)."""

    ROOM = "room"
    REMOTE = "remote"
    RECORDING = "recording"


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (
        # The database, not the code, guarantees one mark per resident per session.
        UniqueConstraint("session_id", "resident_id", name="uq_attendance_session_resident"),
        Index("ix_attendance_resident", "resident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mark: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # Random id from a long-lived cookie: one device checking in several people is flagged.
    device_id: Mapped[str] = mapped_column(String(64), default="")
    flagged: Mapped[bool] = mapped_column(default=False)
    # ``Mode``: in the room (any roster mark), by video (a remote check-in), or by watching
    # the recording (an accepted recording claim).
    mode: Mapped[str] = mapped_column(String(10), default=Mode.ROOM.value, server_default="room")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # A check-in that came after a coordinator's absent/excused mark: the mark stands, and
    # the check-in (the mark it would have given, and when) waits for the coordinator.
    request_mark: Mapped[str | None] = mapped_column(String(10), default=None)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # How the waiting check-in took part (``Mode``: room or remote), kept for the decision.
    request_mode: Mapped[str | None] = mapped_column(String(10), default=None)

    session: Mapped[Session] = relationship()
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])


class AttendanceChange(db.Model):
    """One change to one resident's mark at one session: who, when, from what, to what, why."""

    __tablename__ = "attendance_changes"
    __table_args__ = (
        Index("ix_attendance_changes_session", "session_id"),
        Index("ix_attendance_changes_resident", "resident_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    old_mark: Mapped[str | None] = mapped_column(String(10))
    new_mark: Mapped[str | None] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    session: Mapped[Session] = relationship()


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"
    WITHDRAWN = "withdrawn"


class ClaimColumns:
    """What every claim of a resident about a session shares ("I attended", "I watched the
    recording"): whose, which session, and the coordinator's decision on it. The tables
    keep their own unique constraint (one claim per resident per session) and the
    resident's statement; ``attendance.claim_decisions`` decides both kinds."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    # The column holding what the resident said (each kind names its own).
    statement_column: str

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        # One claim of a kind per resident per session, guaranteed by the database.
        name = f"uq_{cls.__tablename__}_session_resident"  # type: ignore[attr-defined]
        return (UniqueConstraint("session_id", "resident_id", name=name),)

    @property
    def statement(self) -> str:
        """What the resident said (the queue shows it)."""
        return getattr(self, self.statement_column)

    @declared_attr
    def session(cls) -> Mapped[Session]:
        return relationship(Session)

    @declared_attr
    def resident(cls) -> Mapped[User]:
        return relationship(User, foreign_keys=f"{cls.__name__}.resident_id")

    @declared_attr
    def decided_by(cls) -> Mapped[User | None]:
        return relationship(User, foreign_keys=f"{cls.__name__}.decided_by_id")


class AttendanceClaim(ClaimColumns, db.Model):
    """ "I was there but could not check in", decided by a coordinator."""

    __tablename__ = "attendance_claims"
    statement_column = "note"

    note: Mapped[str] = mapped_column(Text)


class ExcusalReason(enum.StrEnum):
    ILLNESS = "illness"
    CONFERENCE_TRAVEL = "conference_travel"
    FAMILY = "family"
    CLINICAL_DUTY = "clinical_duty"
    OTHER = "other"


EXCUSAL_REASON_LABELS = {
    ExcusalReason.ILLNESS: "Illness",
    ExcusalReason.CONFERENCE_TRAVEL: "Conference travel",
    ExcusalReason.FAMILY: "Family",
    ExcusalReason.CLINICAL_DUTY: "Clinical duty",
    ExcusalReason.OTHER: "Other",
}


class Excusal(db.Model):
    """A requested or granted excusal over local dates, or for specific sessions."""

    __tablename__ = "excusals"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="end_after_start"),
        Index("ix_excusals_resident_dates", "resident_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # When sessions are listed, only those are excused; otherwise the whole date range.
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING.value)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    decision_comment: Mapped[str] = mapped_column(Text, default="")

    resident: Mapped[User] = relationship(foreign_keys=[resident_id])
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    session_rows: Mapped[list[ExcusalSession]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def reason_label(self) -> str:
        return EXCUSAL_REASON_LABELS.get(ExcusalReason(self.reason), self.reason)


class ExcusalSession(db.Model):
    __tablename__ = "excusal_sessions"

    excusal_id: Mapped[int] = mapped_column(
        ForeignKey("excusals.id", ondelete="CASCADE"), primary_key=True
    )
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True
    )
