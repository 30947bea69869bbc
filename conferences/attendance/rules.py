"""The attendance rules, in one place, for check-in rosters, resident pages and reports.

``decide`` gives one resident's status at one session, out of a closed set (``Status``):

- *visitor*: not in the session's audience (shown, never counted);
- *not counted*: an optional or cancelled session, or a back-dated one (created after it
  ended) for which no attendance has been recorded yet (no mark, no check-in);
- *attended*: marked present, or late when the program counts late as attended, in the
  room, or by video or by watching the recording when the program counts those in the
  session's academic year (``hybrid.modes_attended``). An attended session **always**
  counts as attended and expected, excused or not;
- *excused*: not attended, and excused by an approved excusal that covers the session's
  local date (or lists the session), an excusing rotation block on that date, or an
  "excused" mark. An excusal only removes from "expected" the sessions not attended, so
  granting one can never lower a rate;
- *upcoming*: expected, not held yet; *missed*: expected, held, and not attended.

Attended, missed and upcoming are the *expected* statuses. The rate is attended / expected,
over sessions already held.

Two ways in, one set of definitions:

- per session (``excuses_for``, ``expected_resident_ids``, ``session_statuses``,
  ``resident_status``): a few plain queries for one session, used by rosters and pages;
- in bulk (``evaluation.evaluate``): a constant number of queries for any date range, used
  by reports.

Both call ``decide`` (the bulk form keeps its results as sets, built with the same
predicates; tests, a property test among them, check that every pair agrees).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from sqlalchemy import ColumnElement, and_, exists, not_, select

from conferences import timeutil
from conferences.attendance import hybrid
from conferences.attendance.models import (
    EXCUSAL_REASON_LABELS,
    Attendance,
    Excusal,
    ExcusalReason,
    ExcusalSession,
    Mark,
    Mode,
    RequestStatus,
)
from conferences.extensions import db
from conferences.people.models import User
from conferences.program.services import get_settings
from conferences.rotations.models import RotationAssignment, RotationType
from conferences.schedule.audience import (
    facts_for,
    in_audience,
    session_audience,
)
from conferences.schedule.models import Session, SessionStatus

# --------------------------------------------------------------------------- definitions


class Status(enum.StrEnum):
    """A resident's standing at one session."""

    ATTENDED = "attended"  # present (or late when late counts), excused or not
    MISSED = "missed"  # expected, held, and not attended (absent, no mark, or late not counted)
    EXCUSED = "excused"  # in the audience of a counted session, excused, and not attended
    UPCOMING = "upcoming"  # expected, not held yet
    NOT_COUNTED = "not_counted"  # optional, cancelled, or back-dated and not recorded yet
    VISITOR = "visitor"  # not in the session's audience


STATUS_LABELS = {
    Status.ATTENDED: "Attended",
    Status.MISSED: "Missed",
    Status.EXCUSED: "Excused",
    Status.UPCOMING: "Upcoming",
    Status.NOT_COUNTED: "Not counted",
    Status.VISITOR: "Visitor",
}

# The statuses of a resident the session is expected of (they make up the rate's denominator
# once the session is held).
EXPECTED_STATUSES = frozenset({Status.ATTENDED, Status.MISSED, Status.UPCOMING})


class ExcuseKind(enum.StrEnum):
    EXCUSAL = "excusal"
    ROTATION = "rotation"
    MARK = "mark"


@dataclass(frozen=True)
class Excuse:
    """Why a resident is excused from a session."""

    kind: ExcuseKind
    label: str
    excusal_id: int | None = None

    def __str__(self) -> str:
        return self.label


def attended_marks(late_counts: bool | None = None) -> frozenset[str]:
    """Marks that count as attended under the program's settings."""
    if late_counts is None:
        late_counts = get_settings().late_counts_as_attended
    return frozenset({Mark.PRESENT.value, Mark.LATE.value} if late_counts else {Mark.PRESENT.value})


ROOM = Mode.ROOM.value


def counts_as_attended(
    mark: str | None,
    mode: str | None,
    marks_attended: frozenset[str],
    modes_attended: frozenset[str],
) -> bool:
    """Does a mark, taken part in this way, count as attended? (``decide`` and the bulk
    evaluation both ask this.)"""
    return mark in marks_attended and (mode or ROOM) in modes_attended


# How a resident took part, beside an attended status, and the name of a way that the
# year does not count, beside a missed one (``status_reason``).
MODE_ATTENDED_TEXT = {Mode.REMOTE.value: "by video", Mode.RECORDING.value: "watched recording"}
MODE_NAMES = {Mode.REMOTE.value: "Remote", Mode.RECORDING.value: "Recording"}
LATE_NOT_COUNTED = "Late — not counted this year"


def status_reason(
    status: Status,
    mark: str | None,
    mode: str | None,
    marks_attended: frozenset[str],
    modes_attended: frozenset[str],
) -> str:
    """What the status alone does not say, for the roster, the session report and the
    resident's page alike: how an attended resident took part ("by video"), or why a
    resident who came late, joined by video or watched the recording is missed this year
    ("Remote — not counted this year"). Empty when the status says it all."""
    if mark not in (Mark.PRESENT.value, Mark.LATE.value):
        return ""
    way = mode or ROOM
    if status == Status.ATTENDED:
        return MODE_ATTENDED_TEXT.get(way, "")
    if status != Status.MISSED:
        return ""
    if way not in modes_attended:
        return f"{MODE_NAMES.get(way, way)} — not counted this year"
    if mark not in marks_attended:
        return LATE_NOT_COUNTED
    return ""


def status_label(status: Status, reason: str = "") -> str:
    """A status as pages and exports write it, with its reason: "Missed (Remote — not
    counted this year)"."""
    label = STATUS_LABELS[status]
    return f"{label} ({reason})" if reason else label


def is_counted_session(required: bool, status: str) -> bool:
    """Only required, non-cancelled sessions count toward attendance."""
    return required and status != SessionStatus.CANCELLED.value


def is_backdated(created_at: datetime | None, ends_at: datetime) -> bool:
    """A session entered after it ended (a past date added to the schedule)."""
    return created_at is not None and created_at > ends_at


def backdated_clause() -> ColumnElement[bool]:
    """``is_backdated`` as a SQL condition on ``Session`` (for reading many sessions without
    loading two timestamps of each); both store UTC the same way, so they compare alike."""
    return and_(Session.created_at.is_not(None), Session.created_at > Session.ends_at)


def rate(attended: int, expected: int) -> float | None:
    """Attended / expected as a fraction, or None when nothing was expected."""
    return attended / expected if expected else None


def below_threshold(value: float | None, threshold: int | float) -> bool:
    """Is a rate (attended / expected) below a threshold in percent? Compared exactly, not
    on a rounded figure: 69.93 % is below 70 %, and 7 of 10 is not. The float is read back
    as the fraction it came from (any count of sessions below a million), so float noise
    (0.7 is 0.69999999999999995...) never puts a resident on the wrong side."""
    if value is None:
        return False
    # Far from the threshold the float answers alike (its error is about 1e-14); only a
    # rate within a millionth of a percent needs reading back as a fraction.
    gap = value * 100 - threshold
    if abs(gap) > 1e-6:
        return gap < 0
    return Fraction(value).limit_denominator(1_000_000) * 100 < Fraction(threshold)


def format_percent(value: float | None, *, sign: bool = True) -> str:
    """The one way a rate (a fraction) is written, on pages and in exports: one decimal,
    rounded down, so a rate just under the threshold never reads as reaching it
    (0.69930 -> "69.9 %"; 0.7 -> "70.0 %"; None -> "–")."""
    if value is None:
        return "–" if sign else ""
    tenths = math.floor(value * 1000 + 1e-9)
    text = f"{tenths // 10}.{tenths % 10}"
    return f"{text} %" if sign else text


def excusal_label(reason: str) -> str:
    try:
        return "Excusal: " + EXCUSAL_REASON_LABELS[ExcusalReason(reason)]
    except ValueError:
        return "Excusal"


def rotation_label(name: str) -> str:
    return f"Rotation: {name}"


MARK_EXCUSE = Excuse(ExcuseKind.MARK, "Marked excused")


# --------------------------------------------------------------------------- per session


def excuses_for(session: Session) -> dict[int, Excuse]:
    """Every resident excused from ``session``, with the reason (first match wins:
    an excusal listing the session, a date-range excusal, an excusing rotation, a mark)."""
    day = timeutil.local_date(session.starts_at)
    found: dict[int, Excuse] = {}
    listing = db.session.execute(
        select(Excusal.resident_id, Excusal.id, Excusal.reason)
        .join(ExcusalSession, ExcusalSession.excusal_id == Excusal.id)
        .where(ExcusalSession.session_id == session.id)
        .where(Excusal.status == RequestStatus.APPROVED.value)
        .order_by(Excusal.id)
    )
    for resident_id, excusal_id, reason in listing:
        found.setdefault(resident_id, Excuse(ExcuseKind.EXCUSAL, excusal_label(reason), excusal_id))
    ranged = db.session.execute(
        select(Excusal.resident_id, Excusal.id, Excusal.reason)
        .where(Excusal.status == RequestStatus.APPROVED.value)
        .where(Excusal.starts_on <= day, Excusal.ends_on >= day)
        .where(not_(exists().where(ExcusalSession.excusal_id == Excusal.id)))
        .order_by(Excusal.id)
    )
    for resident_id, excusal_id, reason in ranged:
        found.setdefault(resident_id, Excuse(ExcuseKind.EXCUSAL, excusal_label(reason), excusal_id))
    blocks = db.session.execute(
        select(RotationAssignment.resident_id, RotationType.name)
        .join(RotationType, RotationAssignment.rotation_type_id == RotationType.id)
        .where(RotationType.excuses.is_(True))
        .where(RotationAssignment.start_on <= day, RotationAssignment.end_on >= day)
    )
    for resident_id, name in blocks:
        found.setdefault(resident_id, Excuse(ExcuseKind.ROTATION, rotation_label(name)))
    marked = db.session.scalars(
        select(Attendance.resident_id)
        .where(Attendance.session_id == session.id)
        .where(Attendance.mark == Mark.EXCUSED.value)
    )
    for resident_id in marked:
        found.setdefault(resident_id, MARK_EXCUSE)
    return found


def excused_resident_ids(session: Session) -> set[int]:
    """Residents excused from ``session`` and not attending it (``decide`` says excused)."""
    return {s.resident_id for s in session_statuses(session) if s.status == Status.EXCUSED}


def audience_resident_ids(session: Session) -> set[int]:
    """Active residents in the session's audience on its local date."""
    day = timeutil.local_date(session.starts_at)
    clause = session_audience(session).resident_clause(day)
    return set(db.session.scalars(select(User.id).where(clause)))


def expected_resident_ids(session: Session) -> set[int]:
    """Residents expected at ``session`` (attended, missed or upcoming, by ``decide``)."""
    return {s.resident_id for s in session_statuses(session) if s.status in EXPECTED_STATUSES}


def marks_for(session: Session) -> dict[int, str]:
    rows = db.session.execute(
        select(Attendance.resident_id, Attendance.mark).where(Attendance.session_id == session.id)
    )
    return dict(rows.all())


def modes_for(session: Session) -> dict[int, str]:
    """Residents who took part other than in the room, and how."""
    rows = db.session.execute(
        select(Attendance.resident_id, Attendance.mode).where(
            Attendance.session_id == session.id, Attendance.mode != ROOM
        )
    )
    return dict(rows.all())


def session_modes_attended(session: Session) -> frozenset[str]:
    return hybrid.modes_attended(timeutil.local_date(session.starts_at))


def is_held(session_starts_at: datetime, now: datetime | None = None) -> bool:
    """A session counts toward the rate once it has started."""
    return session_starts_at <= (now or timeutil.now_utc())


@dataclass(frozen=True)
class ResidentAtSession:
    resident_id: int
    status: Status
    mark: str | None
    excuse: Excuse | None
    in_audience: bool
    reason: str = ""  # ``status_reason``: how they took part, or why it did not count


def decide(
    *,
    counted: bool,
    member: bool,
    recorded: bool,
    backdated: bool,
    excuse: Excuse | None,
    mark: str | None,
    held: bool,
    marks_attended: frozenset[str],
    modes_attended: frozenset[str],
    mode: str | None = None,
) -> Status:
    """The one rule: a resident's status at a session, from the facts.

    ``counted``: required and not cancelled; ``member``: in the session's audience on its
    date; ``recorded``: someone has a mark at the session (a roster mark or a check-in);
    ``backdated``: the session was created after it ended; ``excuse``: why the resident
    would be excused (an approved excusal, an excusing rotation, an "excused" mark), if
    anything; ``mark``: the resident's mark; ``held``: the session has started;
    ``mode``: how they took part (``Mode``: room, remote, recording); ``marks_attended``
    and ``modes_attended``: the marks and ways that count as attended (``counts_as_attended``).
    """
    if not member:
        return Status.VISITOR
    if not counted or (backdated and not recorded):
        return Status.NOT_COUNTED
    if counts_as_attended(mark, mode, marks_attended, modes_attended):
        return Status.ATTENDED
    if excuse is not None:
        return Status.EXCUSED
    return Status.MISSED if held else Status.UPCOMING


def session_statuses(session: Session, now: datetime | None = None) -> list[ResidentAtSession]:
    """Every audience resident and every visitor with a mark, with their status."""
    members = audience_resident_ids(session)
    excuses = excuses_for(session)
    marks = marks_for(session)
    counted = is_counted_session(session.required, session.status)
    backdated = is_backdated(session.created_at, session.ends_at)
    held = is_held(session.starts_at, now)
    attended = attended_marks()
    modes = modes_for(session)
    modes_attended = session_modes_attended(session)
    result = []
    for resident_id in sorted(members | set(marks)):
        member = resident_id in members
        excuse = excuses.get(resident_id) if member else None
        mark, mode = marks.get(resident_id), modes.get(resident_id)
        status = decide(
            counted=counted,
            member=member,
            recorded=bool(marks),
            backdated=backdated,
            excuse=excuse,
            mark=mark,
            held=held,
            marks_attended=attended,
            modes_attended=modes_attended,
            mode=mode,
        )
        result.append(
            ResidentAtSession(
                resident_id,
                status,
                mark,
                excuse if status == Status.EXCUSED else None,
                member,
                status_reason(status, mark, mode, attended, modes_attended),
            )
        )
    return result


def resident_status(
    session: Session, resident: User, now: datetime | None = None
) -> ResidentAtSession:
    """One resident's status at one session."""
    member = in_audience(session, facts_for(resident))
    excuse = excuses_for(session).get(resident.id) if member else None
    marks = marks_for(session)
    mark = marks.get(resident.id)
    mode = modes_for(session).get(resident.id)
    marks_attended = attended_marks()
    modes_attended = session_modes_attended(session)
    status = decide(
        counted=is_counted_session(session.required, session.status),
        member=member,
        recorded=bool(marks),
        backdated=is_backdated(session.created_at, session.ends_at),
        excuse=excuse,
        mark=mark,
        held=is_held(session.starts_at, now),
        marks_attended=marks_attended,
        modes_attended=modes_attended,
        mode=mode,
    )
    return ResidentAtSession(
        resident.id,
        status,
        mark,
        excuse if status == Status.EXCUSED else None,
        member,
        status_reason(status, mark, mode, marks_attended, modes_attended),
    )
