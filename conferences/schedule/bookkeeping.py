"""Change bookkeeping for the schedule: which values a session takes from its series, the
instants of a session on a local day, and how a change is applied, stamped and announced.

Every change bumps the touched sessions' ``revision`` and ``updated_at`` (calendar feeds
rely on them), bumps the program's change counter and sends ``signals.session_changed``.
Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from conferences import timeutil
from conferences.errors import DomainError, TimeChoiceNeeded
from conferences.extensions import db
from conferences.program.services import bump_counter
from conferences.schedule import signals
from conferences.schedule.audience import Audience
from conferences.schedule.models import Session, SessionTopic
from conferences.schedule.queries import wall_times

# Values a session takes from its series (besides the times and topics).
COPIED_FIELDS = (
    "title",
    "kind",
    "description",
    "room",
    "video_url",
    "audience",
    "required",
    "checkin_opens_minutes",
    "checkin_closes_minutes",
    "checkin_grace_minutes",
)
# Values a coordinator edits on a session (times are wall-clock on the session's own day).
SESSION_FIELDS = (*COPIED_FIELDS, "start_time", "end_time", "topics")
SERIES_FIELDS = (
    *COPIED_FIELDS,
    "start_time",
    "end_time",
    "topics",
    "public",
    "frequency",
    "interval",
    "weekdays",
    "month_week",
    "month_weekday",
    "starts_on",
    "ends_on",
)


def instants(
    day: date, start: time, end: time, *, typed: bool = False, which: str | None = None
) -> tuple[datetime, datetime]:
    """UTC start and end of a session on a local day; it lasts what the wall times say
    (01:30-02:30 is one hour, on the night clocks go back too).

    ``typed``: a person typed the start (a new session, an edit, a move), so a time that
    does not exist is refused and a repeated one needs ``which`` ("first"/"second"),
    both with a message for the form. Otherwise (generating a series) a start in the
    spring-forward gap moves forward and a repeated one is the first, as calendar
    programs do."""
    length = datetime.combine(day, end) - datetime.combine(day, start)
    if not typed:
        starts_at = timeutil.localize(day, start)
        return starts_at, starts_at + length
    try:
        starts_at = timeutil.localize_typed(day, start, which)
    except timeutil.WallTimeError as error:
        if error.choices:
            raise TimeChoiceNeeded(error.message, error.choices, field="start_time") from None
        raise DomainError(error.message, field="start_time") from None
    return starts_at, starts_at + length


def stamp(session: Session) -> None:
    session.revision = (session.revision or 0) + 1
    session.updated_at = timeutil.now_utc()


def touch_session(session: Session) -> None:
    """Record that something shown with the session changed (a presenter, a talk title)."""
    stamp(session)
    db.session.flush()
    bump_counter()


def announce(changes: Iterable[tuple[Session, str]], actor) -> None:
    """Flush, bump the change counter and tell listeners, once per operation."""
    changes = list(changes)
    db.session.flush()
    if not changes:
        return
    bump_counter()
    created = [session for session, change in changes if change == "created"]
    if created:
        signals.sessions_created.send(None, sessions=created, actor=actor)
    for session, change in changes:
        signals.session_changed.send(session, change=change, actor=actor)


def set_topics(session: Session, topics: Iterable[str]) -> bool:
    wanted = set(topics)
    current = {row.topic: row for row in session.topic_rows}
    if wanted == set(current):
        return False
    for topic, row in current.items():
        if topic not in wanted:
            session.topic_rows.remove(row)
    for topic in sorted(wanted - set(current)):
        session.topic_rows.append(SessionTopic(topic=topic))
    return True


def apply_values(session: Session, values: dict) -> str | None:
    """Set session values (wall times on the session's own day, or on local date
    ``values["day"]``); return the change, if any: "moved" when it now happens at another
    time or place (day, times or room), else "edited"."""
    changed = False
    moved = False
    for name, value in values.items():
        if name in ("day", "start_time", "end_time", "topics", "repeated_time"):
            continue
        if name == "audience":
            value = Audience.from_json(value).to_json()
            if Audience.from_json(session.audience).to_json() == value:
                continue
        elif getattr(session, name) == value:
            continue
        setattr(session, name, value)
        changed = True
        moved |= name == "room"
    if "start_time" in values or "end_time" in values or "day" in values:
        start, end = wall_times(session)
        day = timeutil.local_date(session.starts_at)
        new_day = values.get("day") or day
        new_start = values.get("start_time", start)
        new_end = values.get("end_time", end)
        if new_end <= new_start:
            raise DomainError("The end time must be after the start time.", field="end_time")
        which = values.get("repeated_time")
        if (new_day, new_start, new_end) != (day, start, end) or which:
            starts_at, ends_at = instants(new_day, new_start, new_end, typed=True, which=which)
            if (starts_at, ends_at) != (session.starts_at, session.ends_at):
                session.starts_at, session.ends_at = starts_at, ends_at
                changed = moved = True
    if "topics" in values and set_topics(session, values["topics"]):
        changed = True
    if not changed:
        return None
    stamp(session)
    return "moved" if moved else "edited"
