"""The roster of a session: every audience resident and visitor with the status
``rules.decide`` gives, the trail of changes to show beside it, and finding a resident to
mark by hand."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.attendance import rules
from conferences.attendance.marks import (
    request_text,
)
from conferences.attendance.models import (
    Attendance,
    AttendanceChange,
    Mark,
)
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.schedule.models import Session

STATUSES = ("expected", "present", "late", "absent", "missed", "excused", "visitor")


@dataclass
class RosterRow:
    resident: User
    status: str
    expected: bool
    attendance: Attendance | None = None
    excuse: str = ""  # why an excused resident is excused (excusal, rotation, mark)
    rule_status: rules.Status | None = None
    # ``rules.status_reason``: "by video", or "Remote — not counted this year".
    reason: str = ""

    @property
    def flagged(self) -> bool:
        return bool(self.attendance and self.attendance.flagged)

    @property
    def checked_in_at(self) -> datetime | None:
        return self.attendance.checked_in_at if self.attendance else None

    @property
    def source(self) -> str:
        return self.attendance.source if self.attendance else ""

    @property
    def mark(self) -> str | None:
        return self.attendance.mark if self.attendance else None

    @property
    def mode(self) -> str:
        """How they took part (room, remote, recording); the rule decides what counts."""
        return (self.attendance.mode if self.attendance else "") or "room"

    @property
    def request(self) -> str:
        """ "checked in at 09:14 after being marked absent", when a check-in waits."""
        row = self.attendance
        if row is None:
            return ""
        return request_text(row.mark, row.request_mark, row.requested_at)


@dataclass
class Roster:
    session: Session
    rows: list[RosterRow]
    counts: Counter = field(default_factory=Counter)

    @property
    def expected_count(self) -> int:
        return sum(1 for r in self.rows if r.expected)

    @property
    def flagged_count(self) -> int:
        return sum(1 for r in self.rows if r.flagged)

    @property
    def request_count(self) -> int:
        return sum(1 for r in self.rows if r.request)

    def filtered(self, status: str = "", search: str = "") -> list[RosterRow]:
        needle = search.strip().lower()
        rows = self.rows
        if status == "flagged":
            rows = [r for r in rows if r.flagged]
        elif status == "requests":
            rows = [r for r in rows if r.request]
        elif status:
            rows = [r for r in rows if r.status == status]
        if needle:
            rows = [
                r
                for r in rows
                if needle in r.resident.name.lower() or needle in r.resident.email.lower()
            ]
        return rows


def _roster_status(entry: rules.ResidentAtSession, held: bool) -> str:
    """The roster's word for a rule status (the mark says present or late)."""
    status = entry.status
    if status == rules.Status.VISITOR:
        return "visitor"
    if status == rules.Status.EXCUSED:
        return "excused"
    if status == rules.Status.UPCOMING:
        return "expected"
    if status == rules.Status.ATTENDED:
        return entry.mark or "present"
    if status == rules.Status.MISSED:
        if entry.reason and entry.reason != rules.LATE_NOT_COUNTED:
            # Joined by video or watched the recording, in a year that does not count it:
            # missed, not absent (the reason says why).
            return "missed"
        # A late arrival that did not count keeps its word; the reason badge says why.
        return "late" if entry.mark == Mark.LATE.value else "absent"
    # Not counted (optional, cancelled, back-dated and not recorded): the mark, if any.
    if entry.mark:
        return entry.mark
    return "absent" if held else "expected"


def roster(session: Session, now: datetime | None = None) -> Roster:
    """Audience residents and visitors with their status, decided by ``rules.decide``."""
    statuses = rules.session_statuses(session, now)
    held = rules.is_held(session.starts_at, now)
    ids = [entry.resident_id for entry in statuses]
    users = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids or [0])))
    }
    marks = {
        row.resident_id: row
        for row in db.session.scalars(select(Attendance).where(Attendance.session_id == session.id))
    }
    rows = [
        RosterRow(
            users[entry.resident_id],
            _roster_status(entry, held),
            expected=entry.status in rules.EXPECTED_STATUSES,
            attendance=marks.get(entry.resident_id),
            excuse=str(entry.excuse) if entry.excuse is not None else "",
            rule_status=entry.status,
            reason=entry.reason,
        )
        for entry in statuses
    ]
    rows.sort(key=lambda r: (r.resident.name.lower(), r.resident.id))
    return Roster(session, rows, Counter(r.status for r in rows))


def session_history(session: Session, limit: int = 500) -> list[AttendanceChange]:
    return list(
        db.session.scalars(
            select(AttendanceChange)
            .options(joinedload(AttendanceChange.actor), joinedload(AttendanceChange.resident))
            .where(AttendanceChange.session_id == session.id)
            .order_by(AttendanceChange.at.desc(), AttendanceChange.id.desc())
            .limit(limit)
        )
    )


def resident_history(resident_id: int, limit: int = 500) -> list[AttendanceChange]:
    return list(
        db.session.scalars(
            select(AttendanceChange)
            .options(joinedload(AttendanceChange.actor), joinedload(AttendanceChange.session))
            .where(AttendanceChange.resident_id == resident_id)
            .order_by(AttendanceChange.at.desc(), AttendanceChange.id.desc())
            .limit(limit)
        )
    )


def marks_for_resident(resident_id: int, start_on: date, end_on: date) -> list[Attendance]:
    """A resident's marks at sessions held on local dates ``start_on``..``end_on``."""
    start_at, end_at = timeutil.range_bounds(start_on, end_on)
    return list(
        db.session.scalars(
            select(Attendance)
            .join(Session, Attendance.session_id == Session.id)
            .options(joinedload(Attendance.session))
            .where(
                Attendance.resident_id == resident_id,
                Session.starts_at >= start_at,
                Session.starts_at < end_at,
            )
            .order_by(Session.starts_at)
        )
    )


def search_residents(text: str, limit: int = 20) -> list[User]:
    """Residents whose name or e-mail contains ``text`` (for adding a walk-in by hand)."""
    needle = f"%{text.strip().lower()}%"
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(
                UserRole.role == Role.RESIDENT.value,
                or_(func.lower(User.name).like(needle), func.lower(User.email).like(needle)),
            )
            .order_by(User.name)
            .limit(limit)
        )
    )
