"""The schedule's rules: series, their sessions, edits, moves, cancellations, conflicts.

Plain values in, model objects out. Every change bumps the touched sessions'
``revision`` and ``updated_at`` (calendar feeds rely on them), bumps the program's
change counter and sends ``signals.session_changed``. Nothing here commits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import g, has_request_context, request
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.dbutil import insert_ignoring_conflicts
from conferences.errors import DomainError, TimeChoiceNeeded
from conferences.extensions import db
from conferences.program.services import bump_counter
from conferences.schedule import signals
from conferences.schedule.audience import Audience
from conferences.schedule.holidays import closed_dates, prefill_federal_holidays
from conferences.schedule.models import (
    KIND_LABELS,
    TOPICS,
    Kind,
    Series,
    SeriesRemovedDate,
    Session,
    SessionStatus,
    SessionTopic,
    new_checkin_secret,
    new_public_id,
)
from conferences.schedule.recurrence import Rule
from conferences.timeutil import OUT_OF_RANGE, in_range

__all__ = [
    "cancel_session",
    "create_series",
    "create_session",
    "delete_session",
    "generate_sessions",
    "get_session_by_public_id",
    "move_session",
    "prefill_federal_holidays",
    "restore_session",
    "sessions_between",
    "touch_session",
    "update_series",
    "update_session",
]

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
MAX_CONFLICT_MESSAGES = 5


# ---------------------------------------------------------------- reading


def get_session_by_public_id(public_id: str) -> Session | None:
    return db.session.scalar(
        select(Session).options(joinedload(Session.series)).where(Session.public_id == public_id)
    )


def sessions_between(
    start_at: datetime, end_at: datetime, *, include_cancelled: bool = True
) -> list[Session]:
    """Sessions overlapping ``[start_at, end_at)``, with series and topics loaded."""
    stmt = (
        select(Session)
        .options(joinedload(Session.series))
        .where(Session.starts_at < end_at, Session.ends_at > start_at)
        .order_by(Session.starts_at, Session.title, Session.id)
    )
    if not include_cancelled:
        stmt = stmt.where(Session.status == SessionStatus.SCHEDULED.value)
    return list(db.session.scalars(stmt).unique())


def series_by_slug(slug: str) -> Series | None:
    return db.session.scalar(select(Series).where(Series.slug == slug))


def all_series() -> list[Series]:
    return list(db.session.scalars(select(Series).order_by(Series.title)))


def session_counts() -> dict[int, tuple[int, int]]:
    """(scheduled, cancelled) session counts per series id, in one query."""
    rows = db.session.execute(
        select(Session.series_id, Session.status, func.count())
        .where(Session.series_id.is_not(None))
        .group_by(Session.series_id, Session.status)
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for series_id, status, count in rows:
        counts[series_id][0 if status == SessionStatus.SCHEDULED.value else 1] += count
    return {key: (value[0], value[1]) for key, value in counts.items()}


def wall_times(session: Session) -> tuple[time, time]:
    """The session's local start and end times."""
    return timeutil.to_local(session.starts_at).time(), timeutil.to_local(session.ends_at).time()


# ---------------------------------------------------------------- audience in words


def _id_names(model) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.name)).all())


def audience_names() -> dict[str, dict[int, str]]:
    """Firm, track and rotation names by id, loaded once per request."""
    key = id(request._get_current_object()) if has_request_context() else None  # type: ignore[attr-defined]
    cached = getattr(g, "_schedule_names", None) if key else None
    if cached is not None and cached[0] == key:
        return cached[1]
    from conferences.people.models import Firm, Track
    from conferences.rotations.models import RotationType

    names = {
        "firms": _id_names(Firm),
        "tracks": _id_names(Track),
        "rotations": _id_names(RotationType),
    }
    if key:
        g._schedule_names = (key, names)
    return names


def _with_noun(names: list[str], noun: str) -> str:
    joined = ", ".join(names)
    if all(name.lower().endswith(noun) for name in names):
        return joined
    return f"{joined} {noun}{'s' if len(names) > 1 else ''}"


def describe_audience(audience: dict | Audience | None) -> str:
    """Who a session is for, in words: "All residents", "PGY-1 · Osler firm",
    "Residents on Ambulatory"."""
    from conferences.rotations.models import SETTING_LABELS, Setting

    aud = audience if isinstance(audience, Audience) else Audience.from_json(audience)
    if aud.is_everyone:
        return "All residents"
    parts: list[str] = []
    if aud.pgy_levels:
        levels = sorted(aud.pgy_levels)
        parts.append("PGY-" + "/".join(str(level) for level in levels))
    names = audience_names() if (aud.firm_ids or aud.track_ids or aud.rotation_type_ids) else {}
    if aud.firm_ids:
        firm_names = sorted(names["firms"].get(i, f"#{i}") for i in aud.firm_ids)
        parts.append(_with_noun(firm_names, "firm"))
    if aud.track_ids:
        track_names = sorted(names["tracks"].get(i, f"#{i}") for i in aud.track_ids)
        parts.append(_with_noun(track_names, "track"))
    if aud.depends_on_rotation:
        places = sorted(
            SETTING_LABELS.get(Setting(s), s) if s in Setting._value2member_map_ else s
            for s in aud.rotation_settings
        )
        places += sorted(names["rotations"].get(i, f"#{i}") for i in aud.rotation_type_ids)
        on = "on " + " or ".join(places)
        parts.append(f"Residents {on}" if not parts else on)
    return " · ".join(parts)


# ---------------------------------------------------------------- change bookkeeping


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


def _stamp(session: Session) -> None:
    session.revision = (session.revision or 0) + 1
    session.updated_at = timeutil.now_utc()


def touch_session(session: Session) -> None:
    """Record that something shown with the session changed (a presenter, a talk title)."""
    _stamp(session)
    db.session.flush()
    bump_counter()


def _announce(changes: Iterable[tuple[Session, str]], actor) -> None:
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


def _set_topics(session: Session, topics: Iterable[str]) -> bool:
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


# ---------------------------------------------------------------- validation


def _clean_topics(values: dict) -> list[tuple[str, str]]:
    unknown = [t for t in values.get("topics") or [] if t not in TOPICS]
    return [("topics", f"Unknown topic: {', '.join(unknown)}.")] if unknown else []


def _common_problems(values: dict) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if "title" in values and not (values.get("title") or "").strip():
        problems.append(("title", "Give it a title."))
    if "kind" in values and values.get("kind") not in Kind._value2member_map_:
        problems.append(("kind", "Choose a kind of session."))
    day = values.get("day")
    if day is not None and not in_range(day):
        problems.append(("day", OUT_OF_RANGE))
    start, end = values.get("start_time"), values.get("end_time")
    if start is not None and end is not None and end <= start:
        problems.append(("end_time", "The end time must be after the start time."))
    problems += _clean_topics(values)
    return problems


def series_problems(
    values: dict, *, confirm_past: bool = False, series: Series | None = None
) -> list[tuple[str, str]]:
    """Everything wrong with these series values, as (form field, message)."""
    problems = _common_problems(values)
    merged = {name: getattr(series, name) for name in SERIES_FIELDS} if series else {}
    merged.update(values)
    rule = Rule(
        starts_on=merged["starts_on"],
        ends_on=merged["ends_on"],
        frequency=merged.get("frequency") or "weekly",
        interval=int(merged.get("interval") or 1),
        weekdays=tuple(sorted(int(d) for d in merged.get("weekdays") or [])),
        month_week=merged.get("month_week"),
        month_weekday=merged.get("month_weekday"),
    )
    problems += rule.problems()
    slug = values.get("slug")
    if slug:
        other = series_by_slug(slug)
        if other is not None and other is not series:
            problems.append(("slug", "Another series already uses this short name."))
    start_changed = series is None or (
        "starts_on" in values and values["starts_on"] != series.starts_on
    )
    if start_changed and rule.starts_on < timeutil.local_today() and not confirm_past:
        problems.append(
            (
                "confirm_past",
                "The first date is in the past, so sessions would be created for past dates. "
                "Tick the box to confirm that is intended.",
            )
        )
    return problems


def _raise_first(problems: list[tuple[str, str]]) -> None:
    if problems:
        name, message = problems[0]
        raise DomainError(message, field=name)


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:100] or "series"


def _unique_slug(title: str) -> str:
    base = slugify(title)
    taken = set(db.session.scalars(select(Series.slug).where(Series.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


# ---------------------------------------------------------------- series


def create_series(values: dict, actor, *, confirm_past: bool = False) -> Series:
    """A new series (no sessions yet: ``generate_sessions`` makes them)."""
    _raise_first(series_problems(values, confirm_past=confirm_past))
    values = dict(values)
    values["title"] = values["title"].strip()
    values["slug"] = values.get("slug") or _unique_slug(values["title"])
    values["topics"] = sorted(set(values.get("topics") or []))
    values["weekdays"] = sorted({int(d) for d in values.get("weekdays") or []})
    series = Series(**{k: v for k, v in values.items() if k in (*SERIES_FIELDS, "slug")})
    db.session.add(series)
    db.session.flush()
    return series


def _session_values_from_series(series: Series, names: Iterable[str]) -> dict:
    return {name: getattr(series, name) for name in names}


def _apply(session: Session, values: dict) -> str | None:
    """Set session values (wall times on the session's own day); return the change, if any."""
    changed = False
    moved = False
    for name, value in values.items():
        if name in ("start_time", "end_time", "topics", "repeated_time"):
            continue
        if name == "audience":
            value = Audience.from_json(value).to_json()
            if Audience.from_json(session.audience).to_json() == value:
                continue
        elif getattr(session, name) == value:
            continue
        setattr(session, name, value)
        changed = True
    if "start_time" in values or "end_time" in values:
        start, end = wall_times(session)
        day = timeutil.local_date(session.starts_at)
        new_start = values.get("start_time", start)
        new_end = values.get("end_time", end)
        if new_end <= new_start:
            raise DomainError("The end time must be after the start time.", field="end_time")
        which = values.get("repeated_time")
        if (new_start, new_end) != (start, end) or which:
            starts_at, ends_at = instants(day, new_start, new_end, typed=True, which=which)
            if (starts_at, ends_at) != (session.starts_at, session.ends_at):
                session.starts_at, session.ends_at = starts_at, ends_at
                changed = moved = True
    if "topics" in values and _set_topics(session, values["topics"]):
        changed = True
    if not changed:
        return None
    _stamp(session)
    return "moved" if moved else "edited"


def update_series(
    series: Series, values: dict, actor, *, scope: str = "upcoming", confirm_past: bool = False
) -> list[Session]:
    """Change a series. ``scope`` says which of its sessions follow the change:
    "upcoming" (not yet started), "all", or "none". Sessions edited on their own keep
    their values. Returns the sessions that changed."""
    if scope not in ("upcoming", "all", "none"):
        raise DomainError("Choose which sessions the change applies to.", field="scope")
    _raise_first(series_problems(values, confirm_past=confirm_past, series=series))
    before = {name: getattr(series, name) for name in (*COPIED_FIELDS, "start_time", "end_time")}
    before["topics"] = sorted(series.topics or [])
    series_changed = False
    for name, value in values.items():
        if name in (*SERIES_FIELDS, "slug"):
            if name == "topics":
                value = sorted(set(value or []))
            if name == "weekdays":
                value = sorted({int(d) for d in value or []})
            series_changed |= getattr(series, name) != value
            setattr(series, name, value)
    series.updated_at = timeutil.now_utc()
    changed_values = {
        name: getattr(series, name)
        for name in before
        if (sorted(series.topics or []) if name == "topics" else getattr(series, name))
        != before[name]
    }
    if series_changed:
        bump_counter()  # the series feed shows the series' own title and description
    if scope == "none" or not changed_values:
        db.session.flush()
        return []
    stmt = select(Session).where(Session.series_id == series.id, Session.detached.is_(False))
    if scope == "upcoming":
        stmt = stmt.where(Session.starts_at >= timeutil.now_utc())
    changes = []
    for session in db.session.scalars(stmt.order_by(Session.starts_at)):
        change = _apply(session, changed_values)
        if change:
            changes.append((session, change))
    _announce(changes, actor)
    return [session for session, _ in changes]


@dataclass
class GenerationResult:
    created: list[Session] = field(default_factory=list)
    skipped_holidays: list[tuple[date, str]] = field(default_factory=list)
    existing: int = 0
    removed: list[date] = field(default_factory=list)

    @property
    def created_count(self) -> int:
        return len(self.created)

    @property
    def skipped_count(self) -> int:
        return len(self.skipped_holidays)

    def summary(self) -> str:
        text = f"Created {self.created_count} session(s)"
        text += f"; skipped {self.skipped_count} on holidays"
        if self.existing:
            text += f"; {self.existing} already existed"
        if self.removed:
            text += f"; left out {len(self.removed)} deleted date(s)"
        return text + "."


@dataclass(frozen=True)
class GenerationPlan:
    """What generating a series would do now."""

    new: list[date]
    skipped_holidays: list[tuple[date, str]]  # with the holiday's name
    existing: int
    removed: list[date]  # deleted occurrences, left out until brought back
    past: int = 0  # how many of the new dates are already past


def plan_generation(series: Series) -> GenerationPlan:
    """What generating would do: new dates, holidays and deleted dates left out."""
    rule = Rule.from_series(series)
    problems = rule.problems()
    _raise_first(problems)
    dates = rule.dates()
    closed = closed_dates(rule.starts_on, rule.ends_on)
    existing = set(
        db.session.scalars(select(Session.occurrence_on).where(Session.series_id == series.id))
    )
    deleted = removed_dates(series)
    new: list[date] = []
    skipped: list[tuple[date, str]] = []
    removed: list[date] = []
    already = 0
    for day in dates:
        if day in existing:
            already += 1
        elif day in deleted:
            removed.append(day)
        elif day in closed:
            skipped.append((day, closed[day]))
        else:
            new.append(day)
    today = timeutil.local_today()
    past = sum(1 for day in new if day < today)
    return GenerationPlan(new, skipped, already, removed, past)


def removed_dates(series: Series) -> set[date]:
    return set(
        db.session.scalars(
            select(SeriesRemovedDate.day).where(SeriesRemovedDate.series_id == series.id)
        )
    )


def restore_removed_date(series: Series, day: date, actor) -> bool:
    """Let generating create ``day`` again; False if it was not left out."""
    result = db.session.execute(
        delete(SeriesRemovedDate).where(
            SeriesRemovedDate.series_id == series.id, SeriesRemovedDate.day == day
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def generate_sessions(series: Series, actor) -> GenerationResult:
    """Create the series' missing sessions, skipping holidays. Running it again adds nothing."""
    if series.end_time <= series.start_time:
        raise DomainError("The end time must be after the start time.", field="end_time")
    plan = plan_generation(series)
    new = plan.new
    result = GenerationResult(
        skipped_holidays=plan.skipped_holidays, existing=plan.existing, removed=plan.removed
    )
    if not new:
        db.session.flush()
        return result
    now = timeutil.now_utc()
    copied = _session_values_from_series(series, COPIED_FIELDS)
    copied["audience"] = Audience.from_json(series.audience).to_json()
    times = {day: instants(day, series.start_time, series.end_time) for day in new}
    rows = [
        {
            **copied,
            "public_id": new_public_id(),
            "checkin_secret": new_checkin_secret(),
            "series_id": series.id,
            "occurrence_on": day,
            "starts_at": times[day][0],
            "ends_at": times[day][1],
            "status": SessionStatus.SCHEDULED.value,
            "cancel_reason": "",
            "detached": False,
            "revision": 0,
            "created_at": now,
            "updated_at": now,
        }
        for day in new
    ]
    db.session.flush()
    created = list(
        db.session.scalars(insert(Session).returning(Session, sort_by_parameter_order=True), rows)
    )
    topics = sorted(set(series.topics or []))
    if topics:
        db.session.execute(
            insert(SessionTopic),
            [{"session_id": s.id, "topic": topic} for s in created for topic in topics],
        )
    result.created = created
    _announce(((session, "created") for session in created), actor)
    return result


# ---------------------------------------------------------------- sessions


def create_session(values: dict, actor, *, series: Series | None = None) -> Session:
    """A one-off session on local date ``values["day"]`` from ``start_time`` to ``end_time``."""
    problems = _common_problems(values)
    for name in ("day", "start_time", "end_time"):
        if values.get(name) is None:
            problems.append((name, "This field is required."))
    _raise_first(problems)
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
    _set_topics(session, values.get("topics") or [])
    _announce([(session, "created")], actor)
    return session


def update_session(session: Session, values: dict, actor, *, scope: str = "this") -> list[Session]:
    """Edit a session. "this": only this one, which then keeps its own values when the series
    is edited. "following": the values that changed here also go to every later session of
    the series and to the series itself (so later generation uses them)."""
    if scope not in ("this", "following"):
        raise DomainError("Choose which sessions the change applies to.", field="scope")
    _raise_first(_common_problems(values))
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
        change = _apply(target, diff)
        if change:
            changes.append((target, change))
    _announce(changes, actor)
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
    _stamp(session)
    _announce([(session, "moved")], actor)
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
    _stamp(session)
    _announce([(session, "cancelled")], actor)
    return session


def restore_session(session: Session, actor) -> Session:
    """Undo a cancellation."""
    if not session.is_cancelled:
        raise DomainError("This session is not cancelled.")
    session.status = SessionStatus.SCHEDULED.value
    session.cancel_reason = ""
    _stamp(session)
    _announce([(session, "restored")], actor)
    return session


def dependencies(session_ids: Iterable[int]) -> dict[int, list[str]]:
    """What other domains recorded against these sessions (read-only): id -> descriptions."""
    from conferences.attendance.models import Attendance, AttendanceClaim
    from conferences.teaching.models import Feedback, TeachingSlot

    ids = list(session_ids)
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    checks = (
        (Attendance.session_id, None, "attendance records"),
        (AttendanceClaim.session_id, None, "attendance claims"),
        (TeachingSlot.session_id, TeachingSlot.holder_id.is_not(None), "filled teaching slots"),
        (Feedback.session_id, None, "feedback"),
    )
    for column, condition, label in checks:
        stmt = select(column, func.count()).where(column.in_(ids)).group_by(column)
        if condition is not None:
            stmt = stmt.where(condition)
        for session_id, count in db.session.execute(stmt):
            found[session_id].append(f"{count} {label}")
    return found


def delete_session(session: Session, actor) -> None:
    """Delete a session that nothing depends on (otherwise cancel it)."""
    found = dependencies([session.id]).get(session.id)
    if found:
        raise DomainError(f"This session has {', '.join(found)}; cancel it instead of deleting it.")
    signals.session_changed.send(session, change="deleted", actor=actor)
    if session.series_id is not None and session.occurrence_on is not None:
        # Remember the date, or generating the series again would bring the session back.
        db.session.execute(
            insert_ignoring_conflicts(SeriesRemovedDate).values(
                series_id=session.series_id,
                day=session.occurrence_on,
                removed_at=timeutil.now_utc(),
                removed_by_id=getattr(actor, "id", None),
            )
        )
    db.session.delete(session)
    db.session.flush()
    bump_counter()


def series_delete_blockers(series: Series) -> list[str]:
    """The series' sessions that something depends on (attendance, claims, filled slots,
    feedback), one line each; deleting the series waits until there are none."""
    sessions = list(
        db.session.scalars(
            select(Session).where(Session.series_id == series.id).order_by(Session.starts_at)
        )
    )
    found = dependencies(s.id for s in sessions)
    return [f"{_when(s)}: {', '.join(found[s.id])}" for s in sessions if s.id in found]


def delete_series(series: Series, actor) -> int:
    """Delete a series with its generated sessions, when nothing depends on any of them
    (as for one session: otherwise cancel). Returns how many sessions went."""
    blockers = series_delete_blockers(series)
    if blockers:
        shown = "; ".join(blockers[:MAX_CONFLICT_MESSAGES])
        more = len(blockers) - MAX_CONFLICT_MESSAGES
        if more > 0:
            shown += f"; and {more} more"
        raise DomainError(
            f"{len(blockers)} session(s) of this series have records, so it cannot be "
            f"deleted: {shown}. Cancel those sessions instead."
        )
    sessions = list(db.session.scalars(select(Session).where(Session.series_id == series.id)))
    for session in sessions:
        signals.session_changed.send(session, change="deleted", actor=actor)
        db.session.delete(session)
    db.session.flush()
    db.session.delete(series)
    db.session.flush()
    bump_counter()
    return len(sessions)


# ---------------------------------------------------------------- conflicts


def audiences_overlap(a: Audience, b: Audience) -> bool:
    """Could one resident be in both audiences? (By their criteria, on the same day.)"""
    for mine, theirs in (
        (a.pgy_levels, b.pgy_levels),
        (a.firm_ids, b.firm_ids),
        (a.track_ids, b.track_ids),
    ):
        if mine and theirs and not (mine & theirs):
            return False
    if a.depends_on_rotation and b.depends_on_rotation:
        only_settings = not a.rotation_type_ids and not b.rotation_type_ids
        only_types = not a.rotation_settings and not b.rotation_settings
        if only_settings and not (a.rotation_settings & b.rotation_settings):
            return False
        if only_types and not (a.rotation_type_ids & b.rotation_type_ids):
            return False
    return True


def _when(session: Session) -> str:
    return timeutil.format_local(session.starts_at, "%a %d %b %Y %H:%M")


def conflict_warnings(sessions: Iterable[Session]) -> list[str]:
    """Room double-bookings and overlapping required sessions for overlapping audiences.

    Warnings only: saving goes ahead. One query for all the given sessions.
    """
    mine = [s for s in sessions if not s.is_cancelled]
    if not mine:
        return []
    low = min(s.starts_at for s in mine)
    high = max(s.ends_at for s in mine)
    mine_ids = {s.id for s in mine}
    others = list(
        db.session.scalars(
            select(Session).where(
                Session.starts_at < high,
                Session.ends_at > low,
                Session.status == SessionStatus.SCHEDULED.value,
            )
        )
    )
    by_day: dict[date, list[Session]] = defaultdict(list)
    for other in others:
        by_day[timeutil.local_date(other.starts_at)].append(other)
    for session in mine:
        if session not in others:
            by_day[timeutil.local_date(session.starts_at)].append(session)
    messages: list[str] = []
    seen: set[tuple[int, int, str]] = set()
    for session in mine:
        room = (session.room or "").strip().lower()
        audience = Audience.from_json(session.audience)
        for other in by_day[timeutil.local_date(session.starts_at)]:
            if other is session or other.id == session.id:
                continue
            if not (other.starts_at < session.ends_at and other.ends_at > session.starts_at):
                continue
            pair = (min(session.id, other.id), max(session.id, other.id))
            if room and room == (other.room or "").strip().lower():
                key = (*pair, "room")
                if key not in seen and not (other.id in mine_ids and other.id < session.id):
                    seen.add(key)
                    messages.append(
                        f"{session.room} is double-booked on {_when(session)}: "
                        f"“{session.title}” and “{other.title}”."
                    )
            if (
                session.required
                and other.required
                and audiences_overlap(audience, Audience.from_json(other.audience))
            ):
                key = (*pair, "audience")
                if key not in seen and not (other.id in mine_ids and other.id < session.id):
                    seen.add(key)
                    messages.append(
                        f"“{session.title}” ({describe_audience(session.audience)}) overlaps "
                        f"the required “{other.title}” ({describe_audience(other.audience)}) "
                        f"on {_when(session)}."
                    )
    if len(messages) > MAX_CONFLICT_MESSAGES:
        extra = len(messages) - MAX_CONFLICT_MESSAGES
        messages = [*messages[:MAX_CONFLICT_MESSAGES], f"…and {extra} more overlap(s)."]
    return messages


def kind_choices() -> list[tuple[str, str]]:
    return [(kind.value, KIND_LABELS[kind]) for kind in Kind]
