"""Roll the schedule into the next academic year: preview, apply (all or nothing), undo.

Each carried series keeps itself (its rule, times, room, audience, kind, required flag,
topics, slot template, feed and history): its window moves to the same place in the new
year, and the dates are recomputed from its rule there (the second Tuesday stays the second
Tuesday), with wall-clock times in the program's zone on each day, so DST changes never
shift a session. Before generating, the new year's federal holidays are filled (the same
observances the program keeps this year) and this year's program blackouts are proposed at
the same dates for the coordinator to confirm or change. Next year's attendance threshold
starts with this year's. Running it again adds nothing. Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import select, update

from conferences import timeutil
from conferences.audit.services import record
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.program.models import YearThreshold
from conferences.program.services import bump_counter, set_threshold, threshold_for
from conferences.schedule import bookkeeping, conflicts, deletion, series_changes, signals
from conferences.schedule import holidays as holiday_service
from conferences.schedule.audience import Audience
from conferences.schedule.models import (
    Holiday,
    Series,
    SeriesRemovedDate,
    Session,
    SessionStatus,
    YearRollover,
)
from conferences.schedule.recurrence import Rule

MAX_CONFLICTS_PER_SERIES = 5
YEARS_AHEAD = 2


# ---------------------------------------------------------------- academic years


def parse_year(text: str) -> int:
    """The start year of an academic year typed as "2027-2028", "2027-28", "2027–28" or
    "2027"; a clear message otherwise."""
    cleaned = (text or "").strip().replace("–", "-").replace("/", "-")
    first, _, second = cleaned.partition("-")
    message = f"“{text}” is not an academic year: write it as 2027-2028."
    if not first.isdigit() or len(first) != 4:
        raise DomainError(message, field="to_year")
    start = int(first)
    if second:
        if not second.isdigit() or len(second) not in (2, 4):
            raise DomainError(message, field="to_year")
        end = int(second)
        if (len(second) == 2 and end != (start + 1) % 100) or (
            len(second) == 4 and end != start + 1
        ):
            raise DomainError(
                f"An academic year runs 1 July to 30 June: {start}-{start + 1}.", field="to_year"
            )
    return start


def check_target_year(to_year: int) -> None:
    current = timeutil.current_academic_year()
    if to_year < current:
        raise DomainError(
            f"{timeutil.academic_year_label(to_year)} has already ended; roll forward into "
            f"{timeutil.academic_year_label(current)} or later.",
            field="to_year",
        )
    if to_year > current + YEARS_AHEAD:
        raise DomainError(
            f"Roll forward one year at a time (at most into "
            f"{timeutil.academic_year_label(current + YEARS_AHEAD)}).",
            field="to_year",
        )


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Blackout:
    """A program blackout for the new year: proposed from this year's, or as confirmed."""

    name: str
    starts_on: date
    ends_on: date
    was_starts_on: date | None = None
    was_ends_on: date | None = None


@dataclass
class SeriesPlan:
    series: Series
    starts_on: date | None = None  # the series' window in the new year
    ends_on: date | None = None
    new: list[date] = field(default_factory=list)
    skipped: list[tuple[date, str]] = field(default_factory=list)  # with the holiday's name
    removed: list[date] = field(default_factory=list)  # deleted dates, left out
    existing: int = 0
    conflicts: list[str] = field(default_factory=list)
    problem: str = ""  # why it cannot be carried


@dataclass
class RolloverPlan:
    from_year: int
    to_year: int
    series: list[SeriesPlan]
    federal: list[tuple[date, str]]  # federal holidays to add
    blackouts: list[Blackout]  # program blackouts to add (the proposals, or as confirmed)
    proposals: list[Blackout]  # this year's blackouts at the same place next year
    threshold: int
    threshold_before: int | None  # next year's threshold row as it is now, if any

    @property
    def label(self) -> str:
        return timeutil.academic_year_label(self.to_year)

    @property
    def new_count(self) -> int:
        return sum(len(p.new) for p in self.series)

    @property
    def skipped_count(self) -> int:
        return sum(len(p.skipped) for p in self.series)

    @property
    def existing_count(self) -> int:
        return sum(p.existing for p in self.series)

    @property
    def nothing_to_add(self) -> bool:
        return (
            not self.new_count
            and not self.federal
            and not self.blackouts
            and self.threshold_before == self.threshold
        )


def eligible_series(from_year: int, to_year: int) -> list[Series]:
    """Series with sessions this year (or already carried into the new one), by title."""
    first = timeutil.academic_year_bounds(min(from_year, to_year))[0]
    last = timeutil.academic_year_bounds(max(from_year, to_year))[1]
    low, high = timeutil.range_bounds(first, last)
    ids = select(Session.series_id).where(
        Session.series_id.is_not(None), Session.starts_at >= low, Session.starts_at < high
    )
    return list(db.session.scalars(select(Series).where(Series.id.in_(ids)).order_by(Series.title)))


def _chosen_series(from_year: int, to_year: int, slugs: list[str] | None) -> list[Series]:
    if not slugs:
        return eligible_series(from_year, to_year)
    found = {s.slug: s for s in db.session.scalars(select(Series).where(Series.slug.in_(slugs)))}
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise DomainError(f"No series with the short name {', '.join(unknown)}.", field="series")
    return sorted({s.id: s for s in found.values()}.values(), key=lambda s: s.title)


def new_window(series: Series, from_year: int, to_year: int) -> tuple[date, date] | None:
    """The series' window in ``to_year``: this year's window at the same place, its first
    day moved to the first date its rule gives there (so every-other-week keeps its weeks).
    A series already reaching into the new year keeps its end."""
    to_first, _ = timeutil.academic_year_bounds(to_year)
    if series.ends_on >= to_first:
        start, end = max(series.starts_on, to_first), series.ends_on
    else:
        from_first, from_last = timeutil.academic_year_bounds(from_year)
        years = to_year - from_year
        start = _shift(max(series.starts_on, from_first), years)
        end = _shift(min(series.ends_on, from_last), years)
    if end < start:
        return None
    rule = replace(Rule.from_series(series), ends_on=end)
    first = next((day for day in rule.dates() if day >= start), None)
    return (first, end) if first is not None else None


def _holiday_keys(year: int) -> set[tuple[str, date, date]]:
    return {
        (h.name, h.starts_on, h.ends_on)
        for h in holiday_service.holidays_between(*timeutil.academic_year_bounds(year))
    }


def proposed_blackouts(from_year: int, to_year: int) -> list[Blackout]:
    """This year's program blackouts at the same dates next year, unless next year
    already has one of that name."""
    first, last = timeutil.academic_year_bounds(from_year)
    years = to_year - from_year
    # A blackout already on next year's calendar by that name (perhaps at dates the
    # coordinator changed) is not proposed again.
    there = {name for name, _, _ in _holiday_keys(to_year)}
    proposals = []
    for holiday in holiday_service.holidays_between(first, last):
        if holiday.source != holiday_service.PROGRAM or holiday.starts_on < first:
            continue
        moved = Blackout(
            holiday.name,
            _shift(holiday.starts_on, years),
            _shift(holiday.ends_on, years),
            holiday.starts_on,
            holiday.ends_on,
        )
        if moved.name not in there:
            proposals.append(moved)
    return proposals


def preview(
    to_year: int,
    *,
    slugs: list[str] | None = None,
    blackouts: list[Blackout] | None = None,
    threshold: int | None = None,
) -> RolloverPlan:
    """What rolling forward into ``to_year`` would do; writes nothing. ``blackouts`` are the
    confirmed program blackouts (default: every proposal)."""
    check_target_year(to_year)
    from_year = to_year - 1
    chosen = _chosen_series(from_year, to_year, slugs)
    proposals = proposed_blackouts(from_year, to_year)
    if blackouts is None:
        blackouts = proposals
    else:  # as confirmed; one already on next year's calendar is not added twice
        there = _holiday_keys(to_year)
        blackouts = [b for b in blackouts if (b.name, b.starts_on, b.ends_on) not in there]
    for blackout in blackouts:
        if blackout.ends_on < blackout.starts_on:
            raise DomainError(f"{blackout.name}: the last day is before the first day.")
    federal_wanted = holiday_service.federal_holidays_like(to_year, from_year)
    to_first, to_last = timeutil.academic_year_bounds(to_year)
    federal_there = set(
        db.session.scalars(
            select(Holiday.starts_on).where(
                Holiday.source == holiday_service.FEDERAL,
                Holiday.starts_on >= to_first,
                Holiday.starts_on <= to_last,
            )
        )
    )
    federal = [(day, name) for day, name in federal_wanted if day not in federal_there]
    threshold_row = db.session.get(YearThreshold, to_year)
    threshold_before = threshold_row.percent if threshold_row is not None else None
    if threshold is None:
        threshold = threshold_before if threshold_before is not None else threshold_for(from_year)
    elif not 0 <= threshold <= 100:
        raise DomainError("The threshold must be between 0 and 100 %.", field="threshold")

    plans = [_series_plan(series, from_year, to_year) for series in chosen]
    windows = [(p.starts_on, p.ends_on) for p in plans if p.starts_on and p.ends_on]
    if windows:
        low = min(w[0] for w in windows)
        high = max(w[1] for w in windows)
        closed = holiday_service.closed_dates(low, high)
        for day, name in federal:
            closed.setdefault(day, name)
        for blackout in blackouts:
            day = blackout.starts_on
            while day <= blackout.ends_on:
                closed.setdefault(day, blackout.name)
                day = date.fromordinal(day.toordinal() + 1)
        _fill_dates(plans, closed)
        _find_conflicts(plans)
    return RolloverPlan(
        from_year,
        to_year,
        plans,
        federal,
        list(blackouts),
        proposals,
        threshold,
        threshold_before,
    )


def _series_plan(series: Series, from_year: int, to_year: int) -> SeriesPlan:
    plan = SeriesPlan(series)
    window = new_window(series, from_year, to_year)
    if window is None:
        plan.problem = (
            f"Its rule gives no dates in {timeutil.academic_year_label(to_year)} "
            f"(it runs {series.starts_on.isoformat()} to {series.ends_on.isoformat()})."
        )
        return plan
    plan.starts_on, plan.ends_on = window
    rule = replace(Rule.from_series(series), starts_on=window[0], ends_on=window[1])
    problems = rule.problems()
    if problems:
        plan.problem = problems[0][1]
    return plan


def _fill_dates(plans: list[SeriesPlan], closed: dict[date, str]) -> None:
    ids = [p.series.id for p in plans if not p.problem]
    existing: dict[int, set[date]] = defaultdict(set)
    removed: dict[int, set[date]] = defaultdict(set)
    if ids:
        for series_id, day in db.session.execute(
            select(Session.series_id, Session.occurrence_on).where(Session.series_id.in_(ids))
        ):
            existing[series_id].add(day)
        for series_id, day in db.session.execute(
            select(SeriesRemovedDate.series_id, SeriesRemovedDate.day).where(
                SeriesRemovedDate.series_id.in_(ids)
            )
        ):
            removed[series_id].add(day)
    for plan in plans:
        if plan.problem or plan.starts_on is None or plan.ends_on is None:
            continue
        rule = replace(
            Rule.from_series(plan.series), starts_on=plan.starts_on, ends_on=plan.ends_on
        )
        sid = plan.series.id
        for day in rule.dates():
            if day in existing[sid]:
                plan.existing += 1
            elif day in removed[sid]:
                plan.removed.append(day)
            elif day in closed:
                plan.skipped.append((day, closed[day]))
            else:
                plan.new.append(day)


@dataclass(frozen=True)
class _Slot:
    series_id: int | None
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str
    required: bool
    audience: Audience


def _find_conflicts(plans: list[SeriesPlan]) -> None:
    """Room double-bookings and overlapping required sessions for overlapping audiences,
    among the new sessions and against what the new year already has (warnings only)."""
    by_day: dict[date, list[_Slot]] = defaultdict(list)
    mine: dict[int, list[tuple[date, _Slot]]] = defaultdict(list)
    days = [day for p in plans for day in p.new]
    if not days:
        return
    for plan in plans:
        series = plan.series
        audience = Audience.from_json(series.audience)
        for day in plan.new:
            starts_at, ends_at = bookkeeping.instants(day, series.start_time, series.end_time)
            slot = _Slot(
                series.id,
                series.title,
                starts_at,
                ends_at,
                (series.room or "").strip().lower(),
                series.required,
                audience,
            )
            by_day[day].append(slot)
            mine[series.id].append((day, slot))
    low, high = timeutil.range_bounds(min(days), max(days))
    for other in db.session.scalars(
        select(Session).where(
            Session.starts_at < high,
            Session.ends_at > low,
            Session.status == SessionStatus.SCHEDULED.value,
        )
    ):
        day = timeutil.local_date(other.starts_at)
        if day in by_day:
            by_day[day].append(
                _Slot(
                    None,
                    other.title,
                    other.starts_at,
                    other.ends_at,
                    (other.room or "").strip().lower(),
                    other.required,
                    Audience.from_json(other.audience),
                )
            )
    for plan in plans:
        found: list[str] = []
        for day, slot in mine[plan.series.id]:
            for other in by_day[day]:
                if other is slot or other.series_id == slot.series_id:
                    continue
                if not (other.starts_at < slot.ends_at and other.ends_at > slot.starts_at):
                    continue
                when = timeutil.format_local(slot.starts_at, "%a %d %b %Y %H:%M")
                if slot.room and slot.room == other.room:
                    found.append(f"{when}: {plan.series.room} is also booked for “{other.title}”.")
                elif (
                    slot.required
                    and other.required
                    and conflicts.audiences_overlap(slot.audience, other.audience)
                ):
                    found.append(f"{when}: overlaps the required “{other.title}”.")
        if len(found) > MAX_CONFLICTS_PER_SERIES:
            extra = len(found) - MAX_CONFLICTS_PER_SERIES
            found = [*found[:MAX_CONFLICTS_PER_SERIES], f"…and {extra} more."]
        plan.conflicts = found


# ---------------------------------------------------------------- apply and undo


@dataclass
class RolloverResult:
    plan: RolloverPlan
    rollover: YearRollover | None = None
    created: int = 0
    holidays_added: int = 0

    def summary(self) -> str:
        label = self.plan.label
        if self.rollover is None:
            return (
                f"Nothing to add: {label} already has every session, holiday and threshold "
                f"this roll-forward would create ({self.plan.existing_count} session(s) "
                "already there)."
            )
        text = (
            f"Rolled {sum(1 for p in self.plan.series if p.new)} series into {label}: "
            f"created {self.created} session(s), skipped {self.plan.skipped_count} on "
            f"holidays, added {self.holidays_added} holiday(s) and blackout(s); "
            f"threshold {self.plan.threshold} %"
        )
        if self.plan.existing_count:
            text += f"; {self.plan.existing_count} session(s) already existed"
        return text + "."


def apply(
    to_year: int,
    actor,
    *,
    slugs: list[str] | None = None,
    blackouts: list[Blackout] | None = None,
    threshold: int | None = None,
) -> RolloverResult:
    """Do what ``preview`` shows, all or nothing (the caller commits once, or rolls back on
    ``DomainError``). A second run finds nothing to add and writes nothing."""
    plan = preview(to_year, slugs=slugs, blackouts=blackouts, threshold=threshold)
    result = RolloverResult(plan)
    if plan.nothing_to_add:
        return result
    rollover = YearRollover(to_year=to_year, created_by_id=getattr(actor, "id", None), details={})
    db.session.add(rollover)
    db.session.flush()
    added = holiday_service.add_federal_days(plan.federal)
    for blackout in plan.blackouts:
        added.append(
            holiday_service.add_holiday(blackout.name, blackout.starts_on, blackout.ends_on)
        )
    windows: dict[str, list[str]] = {}
    created: list[Session] = []
    for series_plan in plan.series:
        if series_plan.problem or not series_plan.new:
            continue
        if series_plan.starts_on is None or series_plan.ends_on is None:
            continue
        series = series_plan.series
        windows[str(series.id)] = [series.starts_on.isoformat(), series.ends_on.isoformat()]
        series.starts_on, series.ends_on = series_plan.starts_on, series_plan.ends_on
        series.updated_at = timeutil.now_utc()
        created.extend(series_changes.generate_sessions(series, actor).created)
    ids = [session.id for session in created]
    for start in range(0, len(ids), 500):
        db.session.execute(
            update(Session)
            .where(Session.id.in_(ids[start : start + 500]))
            .values(rollover_id=rollover.id)
        )
    details: dict = {"windows": windows, "holidays": [h.id for h in added]}
    if plan.threshold_before != plan.threshold:
        details["threshold_before"] = plan.threshold_before
        set_threshold(to_year, plan.threshold)
    rollover.details = details
    rollover.session_count = len(created)
    db.session.flush()
    record(
        actor,
        "schedule.roll_forward",
        rollover,
        after={
            "to_year": to_year,
            "sessions": len(created),
            "skipped": plan.skipped_count,
            "holidays": len(added),
            "threshold": plan.threshold,
        },
    )
    result.rollover = rollover
    result.created = len(created)
    result.holidays_added = len(added)
    return result


def last_rollover() -> YearRollover | None:
    """The most recent roll-forward not undone (the only one that can be undone)."""
    return db.session.scalar(
        select(YearRollover)
        .where(YearRollover.undone_at.is_(None))
        .order_by(YearRollover.id.desc())
        .limit(1)
    )


def undo_blockers(rollover: YearRollover) -> list[str]:
    """The roll-forward's sessions that have records (attendance, claims, filled slots,
    feedback): undoing waits until there are none."""
    sessions = list(
        db.session.scalars(
            select(Session).where(Session.rollover_id == rollover.id).order_by(Session.starts_at)
        )
    )
    found = deletion.dependencies(s.id for s in sessions)
    return [
        f"{timeutil.format_local(s.starts_at)} {s.title}: {', '.join(found[s.id])}"
        for s in sessions
        if s.id in found
    ]


def undo(rollover: YearRollover, actor) -> int:
    """Remove what the roll-forward added (sessions, holidays, next year's threshold) and
    put the series' windows back. Returns how many sessions went."""
    if rollover.undone_at is not None:
        raise DomainError("This roll-forward was already undone.")
    latest = last_rollover()
    if latest is not None and latest.id != rollover.id:
        raise DomainError("Only the most recent roll-forward can be undone.")
    blockers = undo_blockers(rollover)
    if blockers:
        shown = "; ".join(blockers[:MAX_CONFLICTS_PER_SERIES])
        raise DomainError(
            f"{len(blockers)} session(s) of {timeutil.academic_year_label(rollover.to_year)} "
            f"already have records, so the roll-forward can no longer be undone: {shown}."
        )
    sessions = list(db.session.scalars(select(Session).where(Session.rollover_id == rollover.id)))
    for session in sessions:
        signals.session_changed.send(session, change="deleted", actor=actor)
        db.session.delete(session)
    db.session.flush()
    details = rollover.details or {}
    for series_id, (starts_on, ends_on) in (details.get("windows") or {}).items():
        series = db.session.get(Series, int(series_id))
        if series is not None:
            series.starts_on = date.fromisoformat(starts_on)
            series.ends_on = date.fromisoformat(ends_on)
    for holiday_id in details.get("holidays") or []:
        holiday = db.session.get(Holiday, holiday_id)
        if holiday is not None:
            db.session.delete(holiday)
    if "threshold_before" in details:
        row = db.session.get(YearThreshold, rollover.to_year)
        before = details["threshold_before"]
        if before is None and row is not None:
            db.session.delete(row)
        elif before is not None:
            set_threshold(rollover.to_year, before)
    rollover.undone_at = timeutil.now_utc()
    db.session.flush()
    bump_counter()
    record(actor, "schedule.roll_forward_undone", rollover, after={"sessions": len(sessions)})
    return len(sessions)
