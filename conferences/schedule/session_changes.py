"""One session at a time: adding a one-off session, editing one (or it and the following
ones of its series) with what to check before saving, moving, cancelling and restoring it.

Nothing here commits.
"""

from __future__ import annotations

import hashlib
from datetime import date, time

from sqlalchemy import select

from conferences import timeutil
from conferences.errors import ConfirmationNeeded, DomainError
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
from conferences.schedule.conflicts import conflict_warnings
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


def _pending(session: Session, values: dict) -> dict:
    """The values that differ from the session's own: wall times on its own day, "day"
    its local date."""
    start, end = wall_times(session)
    current = {name: getattr(session, name) for name in COPIED_FIELDS}
    current["audience"] = Audience.from_json(session.audience).to_json()
    current.update(
        start_time=start,
        end_time=end,
        topics=session.topics,
        day=timeutil.local_date(session.starts_at),
    )
    wanted = {name: value for name, value in values.items() if name != "day" or value}
    if "audience" in wanted:
        wanted["audience"] = Audience.from_json(wanted["audience"]).to_json()
    if "topics" in wanted:
        wanted["topics"] = sorted(set(wanted["topics"] or []))
    if "title" in wanted:
        wanted["title"] = wanted["title"].strip()
    diff = {
        k: v for k, v in wanted.items() if k in (*SESSION_FIELDS, "day") and current.get(k) != v
    }
    if wanted.get("repeated_time"):
        # The first or second of a repeated wall time: the times themselves may not change.
        diff.update(
            repeated_time=wanted["repeated_time"],
            start_time=wanted.get("start_time", start),
            end_time=wanted.get("end_time", end),
        )
    return diff


def _check(session: Session, values: dict, scope: str) -> dict:
    """Refuse what cannot be saved; return the values that change."""
    if scope not in ("this", "following"):
        raise DomainError("Choose which sessions the change applies to.", field="scope")
    raise_first(common_problems(values))
    diff = _pending(session, values)
    if "day" in diff and scope == "following" and session.series is not None:
        raise DomainError(
            "A new date applies to this session only: choose “This session only” "
            "(the later sessions of the series keep their dates).",
            field="day",
        )
    return diff


def _targets(session: Session, scope: str) -> list[Session]:
    """The session, and with "following" the later sessions of its series."""
    if scope != "following" or session.series is None:
        return [session]
    later = db.session.scalars(
        select(Session)
        .where(
            Session.series_id == session.series_id,
            Session.starts_at > session.starts_at,
            Session.id != session.id,
        )
        .order_by(Session.starts_at)
    )
    return [session, *later]


def update_session(session: Session, values: dict, actor, *, scope: str = "this") -> list[Session]:
    """Edit a session. "this": only this one, which then keeps its own values when the series
    is edited. "following": the values that changed here also go to every later session of
    the series and to the series itself (so later generation uses them). ``values["day"]``,
    a new local date, moves this session only (with "following" it is refused)."""
    diff = _check(session, values, scope)
    if not diff:
        return []
    targets = _targets(session, scope)
    if scope == "following" and session.series is not None:
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


# What a conflict depends on: a change to any of these is checked before saving.
CONFLICT_FIELDS = ("day", "start_time", "end_time", "repeated_time", "room", "audience", "required")


def _preview(session: Session, diff: dict) -> Session:
    """The session as the change would leave it: a copy that is never added or saved."""
    copy = Session(
        id=session.id,
        title=session.title,
        kind=session.kind,
        room=session.room,
        audience=session.audience,
        required=session.required,
        status=session.status,
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        revision=session.revision,
    )
    apply_values(copy, {name: value for name, value in diff.items() if name != "topics"})
    return copy


def edit_warnings(session: Session, values: dict, *, scope: str = "this") -> list[str]:
    """What is odd about this edit, said before anything is saved: for a new date or time,
    what ``move_warnings`` says of the date (holiday, blackout, past, far ahead); for a new
    date, time, room, audience or required, the conflicts the changed sessions would have
    (``conflicts.conflict_warnings``: the same room, or a required session for an
    overlapping audience, at the same time). Writes nothing."""
    diff = _pending(session, values)
    warnings: list[str] = []
    if {"day", "start_time", "end_time"} & diff.keys():
        warnings += move_warnings(diff.get("day") or timeutil.local_date(session.starts_at))
    if set(CONFLICT_FIELDS) & diff.keys() and not session.is_cancelled:
        targets = [session] if "day" in diff else _targets(session, scope)
        warnings += conflict_warnings([_preview(target, diff) for target in targets])
    return warnings


def warnings_token(warnings: list[str]) -> str:
    """A short fingerprint of the warnings a person was shown (``edit_session``)."""
    return hashlib.sha256("\n".join(warnings).encode()).hexdigest()[:16]


def edit_session(
    session: Session, values: dict, actor, *, scope: str = "this", confirmed: str = ""
) -> list[Session]:
    """The session editor's save: every value of ``update_session`` and a new date in one
    change. When ``edit_warnings`` finds something odd, nothing is written and
    ``ConfirmationNeeded`` carries the warnings; saving goes ahead when ``confirmed`` is
    their token (the person saw these very warnings and chose to go on)."""
    _check(session, values, scope)
    warnings = edit_warnings(session, values, scope=scope)
    if warnings and confirmed != warnings_token(warnings):
        raise ConfirmationNeeded(warnings, warnings_token(warnings))
    return update_session(session, values, actor, scope=scope)


def end_following_start(
    shown_start: time | None, shown_end: time | None, start: time | None, end: time | None
) -> time | None:
    """The editor's rule for the end time: changing the start moves the end by the same
    amount, unless the end was changed too. ``shown_*`` are the times the form showed."""
    if shown_start is None or shown_end is None or start is None or end is None:
        return end
    if end != shown_end or start == shown_start:
        return end

    def minutes(t: time) -> int:
        return t.hour * 60 + t.minute

    moved = (minutes(shown_end) + minutes(start) - minutes(shown_start)) % (24 * 60)
    return time(moved // 60, moved % 60)


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
