"""The clinical block schedule: rotation types and each resident's assignments."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db
from conferences.people.models import User


class Setting(enum.StrEnum):
    INPATIENT = "inpatient"
    ICU = "icu"
    ED = "ed"
    AMBULATORY = "ambulatory"
    ELECTIVE = "elective"
    RESEARCH = "research"
    VACATION = "vacation"
    AWAY = "away"
    NIGHT_FLOAT = "night_float"


SETTING_LABELS = {
    Setting.INPATIENT: "Inpatient",
    Setting.ICU: "ICU",
    Setting.ED: "Emergency Department",
    Setting.AMBULATORY: "Ambulatory",
    Setting.ELECTIVE: "Elective",
    Setting.RESEARCH: "Research",
    Setting.VACATION: "Vacation",
    Setting.AWAY: "Away",
    Setting.NIGHT_FLOAT: "Night float",
}


class RotationType(db.Model):
    __tablename__ = "rotation_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    setting: Mapped[str] = mapped_column(String(20))
    # Residents on an excusing rotation are not expected at required conferences.
    excuses: Mapped[bool] = mapped_column(default=False)

    def __str__(self) -> str:
        return self.name


class RotationAssignment(db.Model):
    __tablename__ = "rotation_assignments"
    __table_args__ = (
        CheckConstraint("end_on >= start_on", name="end_after_start"),
        Index("ix_rotation_assignments_resident_dates", "resident_id", "start_on", "end_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    rotation_type_id: Mapped[int] = mapped_column(ForeignKey("rotation_types.id"))
    start_on: Mapped[date]
    end_on: Mapped[date]
    # Grows with every change a calendar shows (dates, rotation); feeds publish it as
    # SEQUENCE, and ``updated_at`` as DTSTAMP.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=timeutil.now_utc)

    resident: Mapped[User] = relationship()
    rotation_type: Mapped[RotationType] = relationship(lazy="joined")
