"""Series: creating and editing one (and which of its sessions follow the edit), and
generating its sessions from the recurrence rule, skipping holidays and deleted dates.

Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import delete, insert, select

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.program.services import bump_counter
from conferences.schedule.audience import Audience
from conferences.schedule.bookkeeping import (
    COPIED_FIELDS,
    SERIES_FIELDS,
    announce,
    apply_values,
    instants,
)
from conferences.schedule.conflicts import conflict_warnings
from conferences.schedule.holidays import closed_dates
from conferences.schedule.models import (
    Series,
    SeriesRemovedDate,
    Session,
    SessionStatus,
    SessionTopic,
    new_checkin_secret,
    new_public_id,
)
from conferences.schedule.recurrence import Rule
from conferences.schedule.validation import raise_first, series_problems, unique_slug


def create_series(values: dict, actor, *, confirm_past: bool = False) -> Series:
    """A new series (no sessions yet: ``generate_sessions`` makes them)."""
    raise_first(series_problems(values, confirm_past=confirm_past))
    values = dict(values)
    values["title"] = values["title"].strip()
    values["slug"] = values.get("slug") or unique_slug(values["title"])
    values["topics"] = sorted(set(values.get("topics") or []))
    values["weekdays"] = sorted({int(d) for d in values.get("weekdays") or []})
    series = Series(**{k: v for k, v in values.items() if k in (*SERIES_FIELDS, "slug")})
    db.session.add(series)
    db.session.flush()
    return series


def _session_values_from_series(series: Series, names: Iterable[str]) -> dict:
    return {name: getattr(series, name) for name in names}


def update_series(
    series: Series, values: dict, actor, *, scope: str = "upcoming", confirm_past: bool = False
) -> list[Session]:
    """Change a series. ``scope`` says which of its sessions follow the change:
    "upcoming" (not yet started), "all", or "none". Sessions edited on their own keep
    their values. Returns the sessions that changed."""
    if scope not in ("upcoming", "all", "none"):
        raise DomainError("Choose which sessions the change applies to.", field="scope")
    raise_first(series_problems(values, confirm_past=confirm_past, series=series))
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
        change = apply_values(session, changed_values)
        if change:
            changes.append((session, change))
    announce(changes, actor)
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
    conflicts: tuple[str, ...] = ()  # with ``check_conflicts``: what the new ones would clash with


def plan_generation(series: Series, *, check_conflicts: bool = False) -> GenerationPlan:
    """What generating would do: new dates, holidays and deleted dates left out; with
    ``check_conflicts``, the conflicts the new sessions would have (before any exists)."""
    rule = Rule.from_series(series)
    problems = rule.problems()
    raise_first(problems)
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
    conflicts = tuple(generation_conflicts(series, new)) if check_conflicts else ()
    return GenerationPlan(new, skipped, already, removed, past, conflicts)


def generation_conflicts(series: Series, days: list[date]) -> list[str]:
    """The conflicts sessions of the series on ``days`` would have with the schedule (a
    room booked twice; a required session for an overlapping audience at the same time),
    said before they are created: ``conflict_warnings`` over unsaved copies."""
    if not days or series.end_time <= series.start_time:
        return []
    audience = Audience.from_json(series.audience).to_json()
    planned = []
    for number, day in enumerate(days, start=1):
        starts_at, ends_at = instants(day, series.start_time, series.end_time)
        planned.append(
            Session(
                id=-number,  # a placeholder, never saved: tells the planned sessions apart
                title=series.title,
                kind=series.kind,
                room=series.room,
                audience=audience,
                required=series.required,
                status=SessionStatus.SCHEDULED.value,
                starts_at=starts_at,
                ends_at=ends_at,
            )
        )
    return conflict_warnings(planned)


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
    announce(((session, "created") for session in created), actor)
    return result
