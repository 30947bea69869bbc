"""One session at a time: adding a one-off session, editing one (or it and the following
ones of its series), moving, cancelling and restoring it.

Nothing here commits.
"""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import select

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.schedule.audience import Audience
from conferences.schedule.bookkeeping import (
    COPIED_FIELDS,
    SESSION_FIELDS,
    announce,
    apply_values,
    instants,
    set_topics,
    stamp,
)
from conferences.schedule.holidays import closed_dates
from conferences.schedule.models import Series, Session, SessionStatus
from conferences.schedule.queries import wall_times
from conferences.schedule.validation import common_problems, raise_first
from conferences.timeutil import OUT_OF_RANGE, in_range


def create_session(values: dict, actor, *, series: Series | None = None) -> Session:
    """A one-off session on local date ``values["day"]`` from ``start_time`` to ``end_time``."""
    problems = common_problems(values)
    for name in ("day", "start_time", "end_time"):
        if values.get(name) is None:
            problems.append((name, "This field is required."))
    raise_first(problems)
    day = values["day"]
    starts_at, ends_at = instants(
        day,
        values["start_time"],
        values["end_time"],
        typed=True,
        which=values.get("repeated_time"),
    )
    session = Session(
        title=values["title"].strip(),
        kind=values["kind"],
        description=values.get("description") or "",
        starts_at=starts_at,
        ends_at=ends_at,
        room=values.get("room") or "",
        video_url=values.get("video_url") or "",
        audience=Audience.from_json(values.get("audience")).to_json(),
        required=bool(values.get("required")),
        series_id=series.id if series else None,
        occurrence_on=day if series else None,
        detached=series is not None,
        import_id=values.get("import_id"),
        revision=0,
    )
    for name in ("checkin_opens_minutes", "checkin_closes_minutes", "checkin_grace_minutes"):
        if values.get(name) is not None:
            setattr(session, name, values[name])
    db.session.add(session)
    set_topics(session, values.get("topics") or [])
    announce([(session, "created")], actor)
    return session


def update_session(session: Session, values: dict, actor, *, scope: str = "this") -> list[Session]:
    """Edit a session. "this": only this one, which then keeps its own values when the series
    is edited. "following": the values that changed here also go to every later session of
    the series and to the series itself (so later generation uses them)."""
    if scope not in ("this", "following"):
        raise DomainError("Choose which sessions the change applies to.", field="scope")
    raise_first(common_problems(values))
    start, end = wall_times(session)
    current = {name: getattr(session, name) for name in COPIED_FIELDS}
    current["audience"] = Audience.from_json(session.audience).to_json()
    current.update(start_time=start, end_time=end, topics=session.topics)
    wanted = dict(values)
    if "audience" in wanted:
        wanted["audience"] = Audience.from_json(wanted["audience"]).to_json()
    if "topics" in wanted:
        wanted["topics"] = sorted(set(wanted["topics"] or []))
    if "title" in wanted:
        wanted["title"] = wanted["title"].strip()
    diff = {k: v for k, v in wanted.items() if k in SESSION_FIELDS and current.get(k) != v}
    if wanted.get("repeated_time"):
        # The first or second of a repeated wall time: the times themselves may not change.
        diff.update(
            repeated_time=wanted["repeated_time"],
            start_time=wanted.get("start_time", start),
            end_time=wanted.get("end_time", end),
        )
    if not diff:
        return []
    targets = [session]
    if scope == "following" and session.series is not None:
        targets += list(
            db.session.scalars(
                select(Session)
                .where(
                    Session.series_id == session.series_id,
                    Session.starts_at > session.starts_at,
                    Session.id != session.id,
                )
                .order_by(Session.starts_at)
            )
        )
        series = session.series
        for name, value in diff.items():
            if name != "repeated_time":
                setattr(series, name, value)
        series.updated_at = timeutil.now_utc()
    else:
        session.detached = True
    changes = []
    for target in targets:
        change = apply_values(target, diff)
        if change:
            changes.append((target, change))
    announce(changes, actor)
    return [target for target, _ in changes]


def move_session(
    session: Session,
    day: date,
    start_time: time,
    end_time: time,
    actor,
    *,
    room: str | None = None,
    which: str | None = None,
) -> Session:
    """Move one session to another local day and time (and room). It keeps its own values.
    ``which`` picks the first or second of a repeated wall time (``instants``)."""
    if end_time <= start_time:
        raise DomainError("The end time must be after the start time.", field="end_time")
    if not in_range(day):
        raise DomainError(OUT_OF_RANGE, field="day")
    starts_at, ends_at = instants(day, start_time, end_time, typed=True, which=which)
    room = session.room if room is None else room.strip()
    if (starts_at, ends_at, room) == (session.starts_at, session.ends_at, session.room):
        raise DomainError("That is where the session already is.", field="day")
    session.starts_at, session.ends_at, session.room = starts_at, ends_at, room
    session.detached = True
    stamp(session)
    announce([(session, "moved")], actor)
    return session


MOVE_HORIZON_DAYS = 366


def move_warnings(day: date) -> list[str]:
    """What is odd about moving a session to ``day``, as generating a series would say:
    a holiday or blackout, a date in the past, or more than a year ahead."""
    warnings: list[str] = []
    if not in_range(day):
        return warnings
    when = day.strftime("%a %d %b %Y")
    closed = closed_dates(day, day)
    if day in closed:
        warnings.append(f"{when} is {closed[day]} (generating a series skips it).")
    today = timeutil.local_today()
    if day < today:
        warnings.append(f"{when} is in the past.")
    elif (day - today).days > MOVE_HORIZON_DAYS:
        warnings.append(f"{when} is more than a year ahead.")
    return warnings


def cancel_session(session: Session, reason: str, actor) -> Session:
    """Cancel one session; it stays on the calendar, struck through, with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Say why the session is cancelled.", field="reason")
    if session.is_cancelled:
        raise DomainError("This session is already cancelled.")
    session.status = SessionStatus.CANCELLED.value
    session.cancel_reason = reason[:2000]
    stamp(session)
    announce([(session, "cancelled")], actor)
    return session


def restore_session(session: Session, actor) -> Session:
    """Undo a cancellation."""
    if not session.is_cancelled:
        raise DomainError("This session is not cancelled.")
    session.status = SessionStatus.SCHEDULED.value
    session.cancel_reason = ""
    stamp(session)
    announce([(session, "restored")], actor)
    return session
