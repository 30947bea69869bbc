"""Fuzzed recurrence rules: a clean validation message, or dates that all follow the rule.

Generated sessions keep the series' wall-clock time across DST changes and skip holidays.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule import series_changes
from conferences.schedule.holidays import add_holiday
from conferences.schedule.recurrence import ORDINALS, Rule
from tests.fuzz.conftest import fuzz_settings

near_dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31))
any_dates = st.one_of(near_dates, near_dates, st.dates())


@st.composite
def rules(draw) -> Rule:
    starts_on = draw(any_dates)
    span = draw(st.one_of(st.integers(-20, 900), st.just(None)))
    if span is None:
        ends_on = draw(any_dates)
    else:
        try:
            ends_on = starts_on + timedelta(days=span)
        except OverflowError:
            ends_on = starts_on
    return Rule(
        starts_on=starts_on,
        ends_on=ends_on,
        frequency=draw(st.sampled_from(["weekly", "weekly", "monthly", "monthly", "daily", ""])),
        interval=draw(st.one_of(st.integers(1, 4), st.integers(-3, 60))),
        weekdays=tuple(draw(st.lists(st.integers(-1, 8), max_size=8))),
        month_week=draw(st.one_of(st.none(), st.integers(-2, 5))),
        month_weekday=draw(st.one_of(st.none(), st.integers(-1, 8))),
    )


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def assert_follows(rule: Rule, dates: list[date]) -> None:
    assert dates, "a usable rule gives dates"
    assert dates == sorted(set(dates)), "sorted and unique"
    assert all(rule.starts_on <= d <= rule.ends_on for d in dates)
    if rule.frequency == "weekly":
        assert all(d.weekday() in rule.weekdays for d in dates)
        first_week = _monday(rule.starts_on)
        assert all((_monday(d) - first_week).days // 7 % rule.interval == 0 for d in dates)
    else:
        assert all(d.weekday() == rule.month_weekday for d in dates)
        if rule.month_week == -1:
            assert all((d + timedelta(days=7)).month != d.month for d in dates)
        else:
            assert all((d.day - 1) // 7 + 1 == rule.month_week for d in dates)
        start_month = rule.starts_on.year * 12 + rule.starts_on.month
        assert all((d.year * 12 + d.month - start_month) % rule.interval == 0 for d in dates)
        assert len({(d.year, d.month) for d in dates}) == len(dates), "one per month"


@settings(max_examples=300, deadline=None)
@given(rule=rules())
def test_rule_is_refused_cleanly_or_gives_only_matching_dates(rule):
    problems = rule.problems()
    if problems:
        for name, message in problems:
            assert name in {
                "starts_on",
                "ends_on",
                "interval",
                "weekdays",
                "frequency",
                "month_week",
                "month_weekday",
            }
            assert message.endswith(".")
        return
    assert rule.frequency in ("weekly", "monthly")
    assert 1 <= rule.interval <= 52
    if rule.frequency == "monthly":
        assert rule.month_week in ORDINALS
    assert_follows(rule, rule.dates())
    assert rule.describe()


# --------------------------------------------------------------------------- generation

# Around both DST changes of 2026 and 2027 in the program's zone (America/New_York).
dst_dates = st.sampled_from(
    [date(2026, 3, 1), date(2026, 10, 25), date(2027, 3, 7), date(2027, 10, 31)]
).flatmap(lambda d: st.dates(min_value=d - timedelta(days=10), max_value=d + timedelta(days=10)))
wall_times = st.one_of(
    st.sampled_from([time(0, 30), time(1, 0), time(1, 30), time(2, 0), time(2, 30), time(3, 0)]),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
)


@fuzz_settings(30)
@given(
    starts_on=dst_dates,
    days=st.integers(0, 60),
    weekly=st.booleans(),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    interval=st.integers(1, 3),
    nth=st.sampled_from(sorted(ORDINALS)),
    start=wall_times,
    minutes=st.integers(1, 180),
    closed=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 3)), max_size=4),
)
def test_generated_sessions_keep_wall_time_and_skip_holidays(
    app_ctx,
    make_series,
    make_user,
    starts_on,
    days,
    weekly,
    weekdays,
    interval,
    nth,
    start,
    minutes,
    closed,
):
    coordinator = make_user(roles=("coordinator",))
    try:
        _generate_and_check(
            make_series,
            coordinator,
            starts_on,
            days,
            weekly,
            weekdays,
            interval,
            nth,
            start,
            minutes,
            closed,
        )
    finally:
        db.session.rollback()


def _exists(day: date, wall: time) -> bool:
    """Does this wall time happen on this day (not skipped by the spring-forward jump)?"""
    local = timeutil.to_local(timeutil.localize(day, wall)).replace(tzinfo=None)
    return local == datetime.combine(day, wall)


def _generate_and_check(
    make_series,
    coordinator,
    starts_on,
    days,
    weekly,
    weekdays,
    interval,
    nth,
    start,
    minutes,
    closed,
):
    end = (datetime.combine(starts_on, start) + timedelta(minutes=minutes)).time()
    if end <= start:
        end = time(23, 59)
        if end <= start:
            return
    for n, (offset, length) in enumerate(closed):
        first = starts_on + timedelta(days=offset)
        add_holiday(f"Closed {n}", first, first + timedelta(days=length))
    holiday_days = {
        starts_on + timedelta(days=offset + k)
        for offset, length in closed
        for k in range(length + 1)
    }
    series = make_series(
        starts_on=starts_on,
        ends_on=starts_on + timedelta(days=days),
        start_time=start,
        end_time=end,
        frequency="weekly" if weekly else "monthly",
        interval=interval,
        weekdays=sorted(weekdays),
        month_week=nth,
        month_weekday=min(weekdays),
    )
    rule = Rule.from_series(series)
    if rule.problems():
        return
    result = series_changes.generate_sessions(series, coordinator)
    db.session.flush()
    days_made = [s.occurrence_on for s in result.created]
    assert all(b > a for a, b in itertools.pairwise(days_made)), "sorted and unique"
    assert set(days_made) | {d for d, _ in result.skipped_holidays} == set(rule.dates())
    assert not set(days_made) & holiday_days
    assert {d for d, _ in result.skipped_holidays} <= holiday_days
    for session in result.created:
        day = session.occurrence_on
        assert timeutil.local_date(session.starts_at) == day
        assert session.ends_at > session.starts_at
        if _exists(day, start):
            assert timeutil.to_local(session.starts_at).time() == start
        if _exists(day, end) and timeutil.localize(day, end) > session.starts_at:
            assert timeutil.to_local(session.ends_at).time() == end
        else:  # the start moved out of the DST gap past the end: the length is kept
            length = datetime.combine(day, end) - datetime.combine(day, start)
            assert session.ends_at - session.starts_at == length
    again = series_changes.generate_sessions(series, coordinator)
    assert again.created_count == 0  # idempotent
