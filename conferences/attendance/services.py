"""Attendance: check-ins, manual marks, their audit trail, rosters and "I attended" claims.

Every change to a mark writes an ``AttendanceChange`` (who, when, old, new, source, why).

Check-ins arrive in bursts (a whole room scans the same screen), so recording one never
reads and then writes inside one transaction: everything needed is read first, then a
single ``INSERT ... ON CONFLICT DO NOTHING`` lets the database's unique constraint decide,
followed by the audit row. On SQLite the transaction begins at that first write and waits
its turn (WAL, busy timeout); on PostgreSQL the conflict clause makes duplicates harmless.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import cast

from sqlalchemy import CursorResult, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.attendance import checkin as codes
from conferences.attendance import rules
from conferences.attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceClaim,
    Mark,
    RequestStatus,
    Source,
)
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.program.models import ProgramSettings
from conferences.schedule.audience import (
    in_audience,
    resident_facts,
    session_audience,
)
from conferences.schedule.models import Session, SessionStatus
from conferences.schedule.services import get_session_by_public_id

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
# Sessions whose start is this close to now are candidates for a typed code.
TYPED_CODE_HORIZON = timedelta(hours=12)

EXPIRED_MESSAGE = "This code has expired — scan the one on the screen."
NO_MATCH_MESSAGE = (
    "That code does not match any session open for check-in. "
    "Check the code on the screen and try again."
)
MALFORMED_MESSAGE = "A check-in code has 6 letters and digits. Check the code on the screen."
WRONG_SESSION_MESSAGE = "This code is not for this session — scan the code on the screen."


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


# ----------------------------------------------------------------------------- check-in


@dataclass
class CheckinResult:
    session: Session
    mark: str
    checked_in_at: datetime | None
    created: bool  # False: the resident was already checked in (nothing changed)
    visitor: bool = False
    flagged: bool = False
    source: str = Source.CHECKIN.value
    # The check-in came after a coordinator marked the resident absent or excused: the
    # mark stands and the check-in waits for the coordinator (``request_mark``).
    request_mark: str | None = None
    requested_at: datetime | None = None

    @property
    def is_late(self) -> bool:
        return self.mark == Mark.LATE.value

    @property
    def is_request(self) -> bool:
        return self.request_mark is not None


def _cancelled_message(session: Session) -> str:
    day = timeutil.format_local(session.starts_at, "%a %d %b")
    return f"{session.title} on {day} was cancelled, so there is no check-in."


def _window_problem(session: Session, win: codes.Window, at: datetime) -> str | None:
    if session.is_cancelled:
        return _cancelled_message(session)
    if at < win.opens_at:
        return (
            f"Check-in for {session.title} opens at {timeutil.format_local(win.opens_at, '%H:%M')}."
        )
    if at > win.closes_at:
        return (
            f"Check-in for {session.title} closed at "
            f"{timeutil.format_local(win.closes_at, '%H:%M')}. If you were there, "
            'file an "I attended" claim from the session page.'
        )
    return None


def validate_code_for_session(
    session: Session, typed: str, at: datetime | None = None, settings=None
) -> None:
    """Raise a DomainError with a clear message unless ``typed`` checks in to ``session`` now."""
    at = at or timeutil.now_utc()
    code = codes.normalise(typed)
    if not codes.is_well_formed(code):
        raise DomainError(MALFORMED_MESSAGE, field="code")
    problem = _window_problem(session, window(session, settings), at)
    if problem:
        raise DomainError(problem, field="code")
    match = codes.match_code(session.checkin_secret, code, at)
    if match is codes.CodeMatch.EXPIRED:
        raise DomainError(EXPIRED_MESSAGE, field="code")
    if match is codes.CodeMatch.NO_MATCH:
        raise DomainError(WRONG_SESSION_MESSAGE, field="code")


def find_session_for_code(typed: str, at: datetime | None = None) -> Session:
    """The session a typed code opens now, or a DomainError saying why there is none.

    Only sessions starting within a few hours of now are considered, so this computes a
    handful of codes, not one per session in the database.
    """
    at = at or timeutil.now_utc()
    code = codes.normalise(typed)
    if not codes.is_well_formed(code):
        raise DomainError(MALFORMED_MESSAGE, field="code")
    candidates = db.session.scalars(
        select(Session)
        .options(joinedload(Session.series))
        .where(
            Session.starts_at >= at - TYPED_CODE_HORIZON,
            Session.starts_at <= at + TYPED_CODE_HORIZON,
        )
        .order_by(Session.starts_at)
    ).all()
    settings = checkin_settings()
    expired_in: Session | None = None
    for session in candidates:
        match = codes.match_code(session.checkin_secret, code, at)
        if match is codes.CodeMatch.VALID:
            problem = _window_problem(session, window(session, settings), at)
            if problem:
                raise DomainError(problem, field="code")
            return session
        if match is codes.CodeMatch.EXPIRED and expired_in is None:
            expired_in = session
    if expired_in is not None:
        problem = _window_problem(expired_in, window(expired_in, settings), at)
        raise DomainError(problem or EXPIRED_MESSAGE, field="code")
    raise DomainError(NO_MATCH_MESSAGE, field="code")


_UNREAD = object()


def _insert_for_dialect(table):
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"no conflict-tolerant insert for {name}")


def record_checkin(
    session: Session,
    resident: User,
    *,
    device_id: str = "",
    at: datetime | None = None,
    settings=None,
    existing=_UNREAD,
) -> CheckinResult:
    """Check ``resident`` in to ``session`` now (the code was already validated).

    Idempotent: a second check-in changes nothing and reports the first one. A
    coordinator's absent/excused mark stands: the check-in is kept on it as a request the
    roster shows for the coordinator to accept or dismiss. A check-in that overlaps another
    session the resident is already checked in to is refused (``DomainError``).
    Reads everything first; the first statement that writes is the insert.
    """
    at = at or timeutil.now_utc()
    if not resident.is_resident:
        raise NotAllowed("Only residents check in.")
    if session.is_cancelled:
        raise DomainError(_cancelled_message(session))
    win = window(session, settings)
    mark = Mark.LATE.value if win.is_late(at) else Mark.PRESENT.value
    # "Everyone" needs no lookup of the resident's rotations; anything else asks the rule.
    visitor = not session_audience(session).is_everyone and not in_audience(
        session, resident_facts([resident])[resident.id]
    )

    if existing is _UNREAD:
        existing = _mark_row(session.id, resident.id)
    if existing is not None and existing.mark in ATTENDED_MARKS:
        return _already(session, existing, visitor)
    if existing is not None and existing.request_mark is not None:
        return _already(session, existing, visitor)
    overlap = overlapping_checkin(session, resident.id)
    if overlap is not None:
        raise DomainError(overlap_message(overlap, session), field="code")
    if existing is not None:
        return _record_request(session, resident, existing, mark, at, visitor)
    others_on_device = (
        db.session.scalars(
            select(Attendance.id).where(
                Attendance.session_id == session.id,
                Attendance.device_id == device_id,
                Attendance.resident_id != resident.id,
            )
        ).first()
        is not None
        if device_id
        else False
    )

    values = {
        "mark": mark,
        "source": Source.CHECKIN.value,
        "checked_in_at": at,
        "device_id": device_id,
        "flagged": others_on_device,
        "updated_at": at,
        "updated_by_id": resident.id,
    }
    # --- first write: from here on this transaction holds the write lock on SQLite.
    if existing is None:
        statement = (
            _insert_for_dialect(Attendance.__table__)
            .values(session_id=session.id, resident_id=resident.id, **values)
            .on_conflict_do_nothing(index_elements=["session_id", "resident_id"])
        )
        written = cast(CursorResult, db.session.execute(statement)).rowcount
    else:
        written = cast(
            CursorResult,
            db.session.execute(
                update(Attendance.__table__)
                .where(Attendance.id == existing.id, Attendance.mark == existing.mark)
                .values(**values)
            ),
        ).rowcount
    if not written:
        # Another request for the same resident won the race; report what it recorded.
        return _already(session, _mark_row(session.id, resident.id), visitor)
    _audit(
        session.id,
        resident.id,
        actor_id=resident.id,
        at=at,
        old=existing.mark if existing is not None else None,
        new=mark,
        source=Source.CHECKIN.value,
    )
    if others_on_device:
        db.session.execute(
            update(Attendance.__table__)
            .where(Attendance.session_id == session.id, Attendance.device_id == device_id)
            .values(flagged=True)
        )
    return CheckinResult(session, mark, at, created=True, visitor=visitor, flagged=others_on_device)


def check_in(
    session: Session,
    resident: User,
    typed_code: str,
    *,
    device_id: str = "",
    at: datetime | None = None,
) -> CheckinResult:
    """Check in to a known session (the one-tap page) with the code it was opened with."""
    at = at or timeutil.now_utc()
    if not resident.is_resident:
        raise NotAllowed("Only residents check in.")
    existing = _mark_row(session.id, resident.id)
    if existing is not None and existing.mark in ATTENDED_MARKS:
        return _already(session, existing, False)
    settings = checkin_settings()
    validate_code_for_session(session, typed_code, at, settings)
    return record_checkin(
        session, resident, device_id=device_id, at=at, settings=settings, existing=existing
    )


def check_in_with_code(
    resident: User, typed_code: str, *, device_id: str = "", at: datetime | None = None
) -> CheckinResult:
    """Check in with a typed code: find the session it opens, then record."""
    at = at or timeutil.now_utc()
    if not resident.is_resident:
        raise NotAllowed("Only residents check in.")
    session = find_session_for_code(typed_code, at)
    return record_checkin(session, resident, device_id=device_id, at=at)


def _mark_row(session_id: int, resident_id: int):
    return db.session.execute(
        select(
            Attendance.id,
            Attendance.mark,
            Attendance.checked_in_at,
            Attendance.source,
            Attendance.request_mark,
            Attendance.requested_at,
        ).where(Attendance.session_id == session_id, Attendance.resident_id == resident_id)
    ).first()


def _already(session: Session, row, visitor: bool) -> CheckinResult:
    return CheckinResult(
        session,
        row.mark,
        row.checked_in_at,
        created=False,
        visitor=visitor,
        source=row.source,
        request_mark=getattr(row, "request_mark", None),
        requested_at=getattr(row, "requested_at", None),
    )


def overlapping_checkin(session: Session, resident_id: int) -> Session | None:
    """Another (not cancelled) session overlapping ``session`` in time that the resident is
    already marked present or late at, if any."""
    return db.session.scalar(
        select(Session)
        .join(Attendance, Attendance.session_id == Session.id)
        .where(
            Attendance.resident_id == resident_id,
            Attendance.mark.in_(ATTENDED_MARKS),
            Session.id != session.id,
            Session.status != SessionStatus.CANCELLED.value,
            Session.starts_at < session.ends_at,
            Session.ends_at > session.starts_at,
        )
        .order_by(Session.starts_at)
        .limit(1)
    )


def overlap_message(other: Session, session: Session) -> str:
    span = (
        f"{timeutil.format_local(other.starts_at, '%H:%M')}–"
        f"{timeutil.format_local(other.ends_at, '%H:%M')}"
    )
    return (
        f"You are checked in to {other.title} ({span}), which overlaps {session.title}: "
        "only one of them can count. If you attended this one instead, ask a coordinator "
        "to mark you by hand."
    )


def request_text(mark: str, request_mark: str | None, requested_at: datetime | None) -> str:
    """What the roster says of a check-in waiting for the coordinator."""
    if request_mark is None or requested_at is None:
        return ""
    when = timeutil.format_local(requested_at, "%H:%M")
    late = " (late)" if request_mark == Mark.LATE.value else ""
    return f"checked in at {when}{late} after being marked {MARK_LABELS.get(mark, mark).lower()}"


def _record_request(
    session: Session, resident: User, existing, mark: str, at: datetime, visitor: bool
) -> CheckinResult:
    """Keep a check-in that came after a coordinator's absent/excused mark as a request."""
    written = cast(
        CursorResult,
        db.session.execute(
            update(Attendance.__table__)
            .where(
                Attendance.id == existing.id,
                Attendance.mark == existing.mark,
                Attendance.request_mark.is_(None),
            )
            .values(request_mark=mark, requested_at=at)
        ),
    ).rowcount
    if not written:
        return _already(session, _mark_row(session.id, resident.id), visitor)
    _audit(
        session.id,
        resident.id,
        actor_id=resident.id,
        at=at,
        old=existing.mark,
        new=existing.mark,
        source=Source.CHECKIN.value,
        reason="Check-in kept for a coordinator: "
        + request_text(existing.mark, mark, at).capitalize(),
    )
    return CheckinResult(
        session,
        existing.mark,
        existing.checked_in_at,
        created=False,
        visitor=visitor,
        source=existing.source,
        request_mark=mark,
        requested_at=at,
    )


def decide_checkin_request(
    session: Session,
    resident_id: int,
    *,
    accept: bool,
    actor: User,
    at: datetime | None = None,
) -> Attendance:
    """A coordinator accepts (the check-in's mark replaces theirs) or dismisses (their mark
    stands) a check-in that came after they marked the resident; audited either way."""
    at = at or timeutil.now_utc()
    row = db.session.scalar(
        select(Attendance).where(
            Attendance.session_id == session.id, Attendance.resident_id == resident_id
        )
    )
    if row is None or row.request_mark is None or row.requested_at is None:
        raise Conflict("There is no check-in waiting for a decision for this resident.")
    text = request_text(row.mark, row.request_mark, row.requested_at)
    old = row.mark
    if accept:
        row.mark = row.request_mark
        row.source = Source.CHECKIN.value
        row.checked_in_at = row.requested_at
    row.request_mark = None
    row.requested_at = None
    row.updated_at = at
    row.updated_by_id = actor.id
    _audit(
        session.id,
        resident_id,
        actor_id=actor.id,
        at=at,
        old=old,
        new=row.mark,
        source=Source.MANUAL.value,
        reason=("Check-in accepted: " if accept else "Check-in dismissed: ") + text,
    )
    db.session.flush()
    return row


def _audit(
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
        row = existing.get(resident_id)
        old = row.mark if row is not None else None
        if old == mark:
            continue
        if row is None:
            row = Attendance(session_id=session.id, resident_id=resident_id, device_id="")
            db.session.add(row)
        row.mark = mark
        row.source = source
        row.updated_at = at
        row.updated_by_id = actor.id
        # A new mark by hand is the coordinator's decision on a waiting check-in too.
        row.request_mark = None
        row.requested_at = None
        if mark not in ATTENDED_MARKS:
            row.flagged = False
        _audit(
            session.id,
            resident_id,
            actor_id=actor.id,
            at=at,
            old=old,
            new=mark,
            source=source,
            reason=reason,
        )
        changed += 1
    db.session.flush()
    return changed


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
    _audit(
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


# ----------------------------------------------------------------------------- roster

STATUSES = ("expected", "present", "late", "absent", "excused", "visitor")


@dataclass
class RosterRow:
    resident: User
    status: str
    expected: bool
    attendance: Attendance | None = None
    excuse: str = ""  # why an excused resident is excused (excusal, rotation, mark)
    rule_status: rules.Status | None = None

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


# ----------------------------------------------------------------------------- claims


def claim_deadline(session: Session, settings=None) -> datetime:
    settings = settings or checkin_settings()
    return session.ends_at + timedelta(days=settings.claim_window_days)


def claim_of(session: Session, resident: User) -> AttendanceClaim | None:
    return db.session.scalar(
        select(AttendanceClaim).where(
            AttendanceClaim.session_id == session.id, AttendanceClaim.resident_id == resident.id
        )
    )


def claim_problem(session: Session, resident: User, at: datetime | None = None) -> str | None:
    """Why ``resident`` cannot file an "I attended" claim for ``session`` now (None: they can)."""
    at = at or timeutil.now_utc()
    if not resident.is_resident:
        return "Only residents file attendance claims."
    if session.is_cancelled:
        return "This session was cancelled."
    if at < session.starts_at:
        return "You can say you attended once the session has started."
    if at > claim_deadline(session):
        days = checkin_settings().claim_window_days
        return f"Claims are accepted up to {days} days after the session; this one is closed."
    row = _mark_row(session.id, resident.id)
    if row is not None and row.mark in ATTENDED_MARKS:
        return "You are already marked as attending this session."
    existing = claim_of(session, resident)
    if existing is not None:
        if existing.status == RequestStatus.PENDING.value:
            return "Your claim for this session is waiting for a coordinator."
        if existing.status == RequestStatus.DENIED.value:
            return "Your claim for this session was denied."
        return "You already filed a claim for this session."
    return None


def file_claim(
    session: Session, resident: User, note: str, at: datetime | None = None
) -> AttendanceClaim:
    """File "I was there but could not check in" with a note."""
    at = at or timeutil.now_utc()
    note = (note or "").strip()
    if not note:
        raise DomainError("Say briefly why you could not check in.", field="note")
    if len(note) > 1000:
        raise DomainError("Keep the note under 1000 characters.", field="note")
    problem = claim_problem(session, resident, at)
    if problem:
        raise Conflict(problem)
    claim = AttendanceClaim(
        session_id=session.id, resident_id=resident.id, note=note, created_at=at
    )
    db.session.add(claim)
    db.session.flush()
    return claim


def pending_claims() -> list[AttendanceClaim]:
    return list(
        db.session.scalars(
            select(AttendanceClaim)
            .options(joinedload(AttendanceClaim.session), joinedload(AttendanceClaim.resident))
            .where(AttendanceClaim.status == RequestStatus.PENDING.value)
            .order_by(AttendanceClaim.created_at)
        )
    )


def claims_of_resident(resident_id: int) -> list[AttendanceClaim]:
    return list(
        db.session.scalars(
            select(AttendanceClaim)
            .options(joinedload(AttendanceClaim.session))
            .where(AttendanceClaim.resident_id == resident_id)
            .order_by(AttendanceClaim.created_at.desc())
        )
    )


def decide_claim(
    claim: AttendanceClaim,
    *,
    approve: bool,
    actor: User,
    comment: str = "",
    at: datetime | None = None,
) -> AttendanceClaim:
    """Approve (the resident is marked present, source "claim") or deny (comment required)."""
    from conferences.notifications.services import send

    at = at or timeutil.now_utc()
    comment = (comment or "").strip()
    if claim.resident_id == actor.id:
        raise NotAllowed(OWN_ATTENDANCE)
    if claim.status != RequestStatus.PENDING.value:
        raise Conflict("This claim was already decided.")
    if not approve and not comment:
        raise DomainError("Say why the claim is denied.", field="comment")
    claim.status = (RequestStatus.APPROVED if approve else RequestStatus.DENIED).value
    claim.decided_by_id = actor.id
    claim.decided_at = at
    claim.decision_comment = comment
    session = claim.session
    if approve:
        reason = f"Claim approved: {claim.note}"
        if comment:
            reason += f" ({comment})"
        set_marks(
            session,
            [claim.resident_id],
            Mark.PRESENT.value,
            actor=actor,
            reason=reason[:500],
            source=Source.CLAIM.value,
            at=at,
        )
    day = timeutil.format_local(session.starts_at, "%a %d %b %Y")
    verdict = "approved" if approve else "denied"
    body = f'Your "I attended" claim for {session.title} on {day} was {verdict} by {actor.name}.'
    if approve:
        body += " It now counts as present."
    if comment:
        body += f"\n\nComment: {comment}"
    send(
        claim.resident,
        f"Attendance claim {verdict}: {session.title}",
        body,
        dedupe_key=f"attendance-claim-{claim.id}-{verdict}",
    )
    db.session.flush()
    return claim


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
