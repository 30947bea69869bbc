"""Check-ins: a typed or scanned code checks a resident in to a session.

Check-ins arrive in bursts (a whole room scans the same screen), so recording one never
reads and then writes inside one transaction: everything needed is read first, then a
single ``INSERT ... ON CONFLICT DO NOTHING`` lets the database's unique constraint decide,
followed by the audit row. On SQLite the transaction begins at that first write and waits
its turn (WAL, busy timeout); on PostgreSQL the conflict clause makes duplicates harmless.

A check-in after a coordinator marked the resident absent or excused waits on the mark as
a request, which the coordinator accepts or dismisses (``decide_checkin_request``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.attendance import checkin as codes
from conferences.attendance.marks import (
    ATTENDED_MARKS,
    checkin_settings,
    mark_row,
    record_change,
    request_text,
    window,
)
from conferences.attendance.models import (
    Attendance,
    Mark,
    Mode,
    Source,
)
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.audience import (
    in_audience,
    residency_of,
    resident_facts,
    session_audience,
)
from conferences.schedule.models import Session, SessionStatus

# Sessions whose start is this close to now are candidates for a typed code.
TYPED_CODE_HORIZON = timedelta(hours=12)

EXPIRED_MESSAGE = "This code has expired — scan the one on the screen."
NO_MATCH_MESSAGE = (
    "That code does not match any session open for check-in. "
    "Check the code on the screen and try again."
)
MALFORMED_MESSAGE = "A check-in code has 6 letters and digits. Check the code on the screen."
WRONG_SESSION_MESSAGE = "This code is not for this session — scan the code on the screen."


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
    # ``Mode``: in the room, or remote (checked in by video with the same code).
    mode: str = Mode.ROOM.value

    @property
    def is_remote(self) -> bool:
        return self.mode == Mode.REMOTE.value

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
    remote: bool = False,
) -> CheckinResult:
    """Check ``resident`` in to ``session`` now (the code was already validated);
    ``remote``: they joined by video (recorded as ``Mode.REMOTE``).

    Idempotent: a second check-in changes nothing and reports the first one. A
    coordinator's absent/excused mark stands: the check-in is kept on it as a request the
    roster shows for the coordinator to accept or dismiss. A check-in that overlaps another
    session the resident is already checked in to is refused (``DomainError``).
    Reads everything first; the first statement that writes is the insert.
    """
    at = at or timeutil.now_utc()
    if not resident.is_resident:
        raise NotAllowed("Only residents check in.")
    # Interns before 1 July of their start year and alumni take no part.
    problem = residency_of(resident).residency_problem(timeutil.local_date(session.starts_at))
    if problem:
        raise NotAllowed(problem)
    if session.is_cancelled:
        raise DomainError(_cancelled_message(session))
    win = window(session, settings)
    mark = Mark.LATE.value if win.is_late(at) else Mark.PRESENT.value
    # "Everyone" needs no lookup of the resident's rotations; anything else asks the rule.
    visitor = not session_audience(session).is_everyone and not in_audience(
        session, resident_facts([resident])[resident.id]
    )

    if existing is _UNREAD:
        existing = mark_row(session.id, resident.id)
    if existing is not None and existing.mark in ATTENDED_MARKS:
        return _already(session, existing, visitor)
    if existing is not None and existing.request_mark is not None:
        return _already(session, existing, visitor)
    overlap = overlapping_checkin(session, resident.id)
    if overlap is not None:
        raise DomainError(overlap_message(overlap, session), field="code")
    mode = (Mode.REMOTE if remote else Mode.ROOM).value
    if existing is not None:
        return _record_request(session, resident, existing, mark, mode, at, visitor)
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
        "mode": mode,
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
        return _already(session, mark_row(session.id, resident.id), visitor)
    record_change(
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
    return CheckinResult(
        session,
        mark,
        at,
        created=True,
        visitor=visitor,
        flagged=others_on_device,
        mode=values["mode"],
    )


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
    existing = mark_row(session.id, resident.id)
    if existing is not None and existing.mark in ATTENDED_MARKS:
        return _already(session, existing, False)
    settings = checkin_settings()
    validate_code_for_session(session, typed_code, at, settings)
    return record_checkin(
        session, resident, device_id=device_id, at=at, settings=settings, existing=existing
    )


def check_in_with_code(
    resident: User,
    typed_code: str,
    *,
    device_id: str = "",
    at: datetime | None = None,
    remote: bool = False,
) -> CheckinResult:
    """Check in with a typed code: find the session it opens, then record (``remote``:
    joined by video, with the code the presenter shares on screen)."""
    at = at or timeutil.now_utc()
    if not resident.is_resident:
        raise NotAllowed("Only residents check in.")
    session = find_session_for_code(typed_code, at)
    return record_checkin(session, resident, device_id=device_id, at=at, remote=remote)


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
        mode=getattr(row, "mode", None) or Mode.ROOM.value,
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


def _record_request(
    session: Session,
    resident: User,
    existing,
    mark: str,
    mode: str,
    at: datetime,
    visitor: bool,
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
            .values(request_mark=mark, requested_at=at, request_mode=mode)
        ),
    ).rowcount
    if not written:
        return _already(session, mark_row(session.id, resident.id), visitor)
    record_change(
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
        mode=mode,
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
        # The check-in's way of taking part comes with it (a remote one stays remote).
        row.mode = row.request_mode or Mode.ROOM.value
    row.request_mark = None
    row.requested_at = None
    row.request_mode = None
    row.updated_at = at
    row.updated_by_id = actor.id
    record_change(
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
