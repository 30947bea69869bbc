"""Attendance marks: their labels, the check-in settings, the trail of every change
(``AttendanceChange``: who, when, old, new, source, why), and marks set by a coordinator.

The other attendance modules (check-ins, claims, the roster) record their changes through
``record_change`` and read a mark through ``mark_row`` here."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import func, insert, select

from conferences import timeutil
from conferences.attendance import checkin as codes
from conferences.attendance import rules
from conferences.attendance.models import (
    Attendance,
    AttendanceChange,
    Mark,
    Source,
)
from conferences.errors import DomainError, NotAllowed
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.program.models import ProgramSettings
from conferences.schedule.models import Session
from conferences.schedule.queries import get_session_by_public_id

ATTENDED_MARKS = (Mark.PRESENT.value, Mark.LATE.value)
MARK_LABELS = {
    Mark.PRESENT.value: "Present",
    Mark.LATE.value: "Late",
    Mark.ABSENT.value: "Absent",
    Mark.EXCUSED.value: "Excused",
}
SOURCE_LABELS = {
    Source.CHECKIN.value: "check-in",
    Source.MANUAL.value: "manual",
    Source.CLAIM.value: "claim",
}


# ----------------------------------------------------------------------------- loading


def get_session(public_id: str) -> Session | None:
    """The session with this public id, its series loaded (the schedule's one loader)."""
    return get_session_by_public_id(public_id)


def checkin_settings():
    """The program's window defaults, read without writing (check-ins must start with a write).

    A program that never saved its settings gets the column defaults.
    """
    row = db.session.get(ProgramSettings, 1)
    if row is not None:
        return row
    columns = ProgramSettings.__table__.c
    return SimpleNamespace(
        **{
            name: columns[name].default.arg
            for name in (
                "checkin_opens_minutes",
                "checkin_closes_minutes",
                "checkin_grace_minutes",
                "claim_window_days",
            )
        }
    )


def window(session: Session, settings=None) -> codes.Window:
    return codes.window_for(session, settings or checkin_settings())


# ------------------------------------------------------------------------- reading and recording


def mark_row(session_id: int, resident_id: int):
    """The resident's mark at the session as a plain row (no object loaded), or None."""
    return db.session.execute(
        select(
            Attendance.id,
            Attendance.mark,
            Attendance.checked_in_at,
            Attendance.source,
            Attendance.request_mark,
            Attendance.requested_at,
            Attendance.mode,
            Attendance.request_mode,
        ).where(Attendance.session_id == session_id, Attendance.resident_id == resident_id)
    ).first()


def request_text(mark: str, request_mark: str | None, requested_at: datetime | None) -> str:
    """What the roster says of a check-in waiting for the coordinator."""
    if request_mark is None or requested_at is None:
        return ""
    when = timeutil.format_local(requested_at, "%H:%M")
    late = " (late)" if request_mark == Mark.LATE.value else ""
    return f"checked in at {when}{late} after being marked {MARK_LABELS.get(mark, mark).lower()}"


def record_change(
    session_id: int,
    resident_id: int,
    *,
    actor_id: int | None,
    at: datetime,
    old: str | None,
    new: str | None,
    source: str,
    reason: str = "",
) -> None:
    """Add the ``AttendanceChange`` row for one change to a mark (every change writes one)."""
    db.session.execute(
        insert(AttendanceChange.__table__).values(
            session_id=session_id,
            resident_id=resident_id,
            actor_id=actor_id,
            at=at,
            old_mark=old,
            new_mark=new,
            source=source,
            reason=reason,
        )
    )


def live_count(session: Session) -> int:
    """Residents at ``session`` whose mark counts as attended (present, or late when late
    counts): by ``rules.decide`` these are exactly the attended residents and the visitors,
    the report's "Attended" plus "Visitors"."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Attendance)
            .where(
                Attendance.session_id == session.id,
                Attendance.mark.in_(sorted(rules.attended_marks())),
            )
        )
        or 0
    )


def mark_of(session: Session, resident: User) -> Attendance | None:
    return db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.resident_id == resident.id
        )
    )


# ----------------------------------------------------------------------------- manual marks


# Nobody records or approves their own attendance, not even a chief resident who is also a
# coordinator (as nobody decides their own excusal).
OWN_ATTENDANCE = "You cannot record or approve your own attendance; another coordinator must."
OVERRIDE_NEEDS_REASON = (
    "This changes a resident's own check-in: say why in Reason (it is kept in the history)."
)


def set_marks(
    session: Session,
    resident_ids: list[int],
    mark: str,
    *,
    actor: User,
    reason: str = "",
    source: str = Source.MANUAL.value,
    at: datetime | None = None,
) -> int:
    """Set ``mark`` for these residents at ``session``; returns how many changed.

    Residents who already have that mark are left alone (and not audited twice).
    """
    at = at or timeutil.now_utc()
    if mark not in MARK_LABELS:
        raise DomainError("Choose present, late, absent or excused.", field="mark")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise DomainError("Keep the reason under 500 characters.", field="reason")
    ids = sorted(set(resident_ids))
    if not ids:
        raise DomainError("Select at least one resident.", field="resident_ids")
    if actor.id in ids:
        raise NotAllowed(OWN_ATTENDANCE)
    residents = set(
        db.session.scalars(
            select(UserRole.user_id).where(
                UserRole.user_id.in_(ids), UserRole.role == Role.RESIDENT.value
            )
        )
    )
    if len(residents) != len(ids):
        raise DomainError("Only residents can be marked.", field="resident_ids")
    existing = {
        row.resident_id: row
        for row in db.session.scalars(
            select(Attendance).where(
                Attendance.session_id == session.id, Attendance.resident_id.in_(ids)
            )
        )
    }
    if not reason and any(
        row.source == Source.CHECKIN.value and row.mark != mark for row in existing.values()
    ):
        raise DomainError(OVERRIDE_NEEDS_REASON, field="reason")
    changed = 0
    for resident_id in ids:
        if write_mark(
            session.id,
            resident_id,
            mark,
            actor_id=actor.id,
            at=at,
            source=source,
            reason=reason,
            row=existing.get(resident_id),
        ):
            changed += 1
    db.session.flush()
    return changed


_UNREAD = object()


def write_mark(
    session_id: int,
    resident_id: int,
    mark: str,
    *,
    actor_id: int | None,
    at: datetime,
    source: str,
    reason: str = "",
    mode: str | None = None,
    row=_UNREAD,
) -> bool:
    """Write a person's decision on one resident's mark to the attendance row and the
    trail: a coordinator's hand mark, an approved claim. (Check-ins write theirs with a
    conflict-tolerant insert, ``checkins.record_checkin``.) Returns False when the row
    already says so and nothing was written.

    ``mode``: how the resident took part (``Mode``); None keeps the row's. A check-in
    waiting on the row (``request_mark``) is decided by this mark: an attended mark takes
    the waiting check-in's way of taking part (room or video) unless ``mode`` is given.
    """
    if row is _UNREAD:
        row = db.session.scalar(
            select(Attendance).where(
                Attendance.session_id == session_id, Attendance.resident_id == resident_id
            )
        )
    old = row.mark if row is not None else None
    waiting = row is not None and row.request_mark is not None and row.request_mode
    if mode is None and waiting and mark in ATTENDED_MARKS:
        mode = row.request_mode
    if old == mark and (mode is None or row.mode == mode):
        return False
    if row is None:
        row = Attendance(session_id=session_id, resident_id=resident_id, device_id="")
        db.session.add(row)
    row.mark = mark
    row.source = source
    if mode is not None:
        row.mode = mode
    row.updated_at = at
    row.updated_by_id = actor_id
    # A new mark is the decision on a waiting check-in too.
    row.request_mark = None
    row.requested_at = None
    row.request_mode = None
    if mark not in ATTENDED_MARKS:
        row.flagged = False
    record_change(
        session_id,
        resident_id,
        actor_id=actor_id,
        at=at,
        old=old,
        new=mark,
        source=source,
        reason=reason,
    )
    return True


def clear_flag(session: Session, resident_id: int, *, actor: User, reason: str = "") -> None:
    """A coordinator reviewed a flagged check-in and accepts it."""
    if resident_id == actor.id:
        raise NotAllowed(OWN_ATTENDANCE)
    row = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.resident_id == resident_id
        )
    )
    if row is None or not row.flagged:
        raise DomainError("That check-in is not flagged.")
    row.flagged = False
    row.updated_by_id = actor.id
    row.updated_at = timeutil.now_utc()
    record_change(
        session.id,
        resident_id,
        actor_id=actor.id,
        at=row.updated_at,
        old=row.mark,
        new=row.mark,
        source=Source.MANUAL.value,
        reason=("Flag reviewed: " + reason.strip()).strip(": ").strip(),
    )
    db.session.flush()
