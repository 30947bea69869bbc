"""Bulk changes: cancel every session of a day or a date range (a snow day, a hospital-wide
event) with one reason; move a series' remaining sessions to a new time or room.

Each comes in two steps that share one planning function: ``plan_*`` says what would change
(the page shows it before anything is saved), and the action applies exactly that. Every
touched session is stamped and announced once (``session_changed``), as single edits are, so
the short-notice change alerts send each person one message for the whole action. Every
session changed is audited. Times are wall-clock times on each session's own day, converted
by ``timeutil`` (12:00 stays 12:00 across a daylight-saving change). Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select

from conferences import timeutil
from conferences.audit.services import record
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.schedule.bookkeeping import announce, instants, stamp
from conferences.schedule.models import Series, Session, SessionStatus
from conferences.timeutil import OUT_OF_RANGE, in_range

MAX_DAYS = 366


# ---------------------------------------------------------------- cancelling days


def _check_days(first: date | None, last: date | None) -> tuple[date, date]:
    if first is None:
        raise DomainError("Choose the first day.", field="first_on")
    last = last or first
    for name, day in (("first_on", first), ("last_on", last)):
        if not in_range(day):
            raise DomainError(OUT_OF_RANGE, field=name)
    if last < first:
        raise DomainError("The last day must not be before the first.", field="last_on")
    if (last - first).days >= MAX_DAYS:
        raise DomainError("Cancel at most a year at a time.", field="last_on")
    return first, last


def plan_cancel_days(first: date | None, last: date | None = None) -> list[Session]:
    """The scheduled sessions starting on local days ``first`` to ``last`` (inclusive)."""
    first, last = _check_days(first, last)
    start_at, end_at = timeutil.range_bounds(first, last)
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.starts_at >= start_at,
                Session.starts_at < end_at,
                Session.status == SessionStatus.SCHEDULED.value,
            )
            .order_by(Session.starts_at, Session.title, Session.id)
        )
    )


def cancel_days(
    first: date | None,
    last: date | None,
    reason: str,
    actor,
    *,
    only_ids: set[int] | None = None,
) -> list[Session]:
    """Cancel every scheduled session of those days with one reason; returns them.

    ``only_ids``: the sessions the coordinator saw in the preview; a session added since
    is left alone (it was not shown, so it was not chosen)."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the sessions are cancelled.", field="reason")
    sessions = plan_cancel_days(first, last)
    if only_ids is not None:
        sessions = [s for s in sessions if s.id in only_ids]
    if not sessions:
        raise DomainError("No scheduled sessions on those days: nothing to cancel.")
    first_on, last_on = _check_days(first, last)
    span = first_on.isoformat() + ("" if last_on == first_on else f" to {last_on.isoformat()}")
    for session in sessions:
        session.status = SessionStatus.CANCELLED.value
        session.cancel_reason = reason[:2000]
        stamp(session)
        record(
            actor,
            "session.cancel",
            session,
            before={"status": SessionStatus.SCHEDULED.value},
            after={"status": SessionStatus.CANCELLED.value, "reason": session.cancel_reason},
            note=f"Every session of {span} cancelled at once.",
        )
    announce([(session, "cancelled") for session in sessions], actor)
    return sessions


# ---------------------------------------------------------------- moving a series


@dataclass(frozen=True)
class PlannedMove:
    session: Session
    starts_at: datetime
    ends_at: datetime
    room: str

    @property
    def changes(self) -> bool:
        s = self.session
        return (self.starts_at, self.ends_at, self.room) != (s.starts_at, s.ends_at, s.room)


def plan_series_move(
    series: Series,
    from_on: date | None,
    start_time: time | None = None,
    end_time: time | None = None,
    room: str | None = None,
) -> list[PlannedMove]:
    """Where each scheduled session of the series on or after ``from_on`` would go: the
    new wall-clock times on its own day (None keeps its times) and the new room (None or
    blank keeps it). Only sessions that would change are listed."""
    if from_on is None:
        raise DomainError("Choose the date from which sessions move.", field="from_on")
    if not in_range(from_on):
        raise DomainError(OUT_OF_RANGE, field="from_on")
    if (start_time is None) != (end_time is None):
        raise DomainError("Give both the new start and end times, or neither.", field="end_time")
    if start_time is not None and end_time is not None and end_time <= start_time:
        raise DomainError("The end time must be after the start time.", field="end_time")
    room = (room or "").strip() or None
    if start_time is None and room is None:
        raise DomainError("Give a new time, a new room, or both.", field="start_time")
    start_at = timeutil.day_bounds(from_on)[0]
    sessions = db.session.scalars(
        select(Session)
        .where(
            Session.series_id == series.id,
            Session.starts_at >= start_at,
            Session.status == SessionStatus.SCHEDULED.value,
        )
        .order_by(Session.starts_at)
    )
    plans = []
    for session in sessions:
        starts_at, ends_at = session.starts_at, session.ends_at
        if start_time is not None and end_time is not None:
            # Generated occurrences follow the same rule: a wall time the clocks skip
            # that day moves forward, a repeated one is the first.
            starts_at, ends_at = instants(
                timeutil.local_date(session.starts_at), start_time, end_time
            )
        plan = PlannedMove(session, starts_at, ends_at, session.room if room is None else room)
        if plan.changes:
            plans.append(plan)
    return plans


def move_series_from(
    series: Series,
    from_on: date | None,
    actor,
    *,
    start_time: time | None = None,
    end_time: time | None = None,
    room: str | None = None,
    only_ids: set[int] | None = None,
) -> list[Session]:
    """Move the series' remaining sessions (from ``from_on``) to a new time and/or room.

    The series takes the new values too, so sessions generated later follow them.
    ``only_ids`` as for ``cancel_days``. Returns the sessions moved."""
    plans = plan_series_move(series, from_on, start_time, end_time, room)
    if only_ids is not None:
        plans = [p for p in plans if p.session.id in only_ids]
    if not plans:
        raise DomainError("No session of the series from that date would change.")
    changes = []
    for plan in plans:
        session = plan.session
        before = _place(session)
        moved = (plan.starts_at, plan.ends_at) != (session.starts_at, session.ends_at)
        session.starts_at, session.ends_at, session.room = plan.starts_at, plan.ends_at, plan.room
        stamp(session)
        record(
            actor,
            "session.move",
            session,
            before=before,
            after=_place(session),
            note=f"Sessions of “{series.title}” from {plan_from(from_on)} moved at once.",
        )
        changes.append((session, "moved" if moved else "edited"))
    series_before = {"start_time": str(series.start_time), "end_time": str(series.end_time)}
    series_before["room"] = series.room
    if start_time is not None and end_time is not None:
        series.start_time, series.end_time = start_time, end_time
    if room and room.strip():
        series.room = room.strip()
    series.updated_at = timeutil.now_utc()
    record(
        actor,
        "series.move_remaining",
        series,
        before=series_before,
        after={
            "start_time": str(series.start_time),
            "end_time": str(series.end_time),
            "room": series.room,
        },
        note=f"{len(changes)} session(s) from {plan_from(from_on)}.",
    )
    announce(changes, actor)
    return [session for session, _ in changes]


def plan_from(day: date | None) -> str:
    return day.isoformat() if day else ""


def _place(session: Session) -> dict:
    return {
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
        "room": session.room,
    }
