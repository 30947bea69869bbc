"""Recurrence rules, holiday skipping and idempotent generation."""

from __future__ import annotations

import itertools
from datetime import date, time

import pytest
from sqlalchemy import func, select

from conferences.errors import DomainError
from conferences.extensions import db
from conferences.schedule import series_changes
from conferences.schedule.holidays import add_holiday, prefill_federal_holidays
from conferences.schedule.models import Holiday, Session
from conferences.schedule.recurrence import Rule
from tests.schedule.conftest import series_values


def test_weekly_rule_on_chosen_weekdays():
    rule = Rule(date(2026, 9, 1), date(2026, 9, 14), weekdays=(0, 2))
    assert rule.dates() == [
        date(2026, 9, 2),
        date(2026, 9, 7),
        date(2026, 9, 9),
        date(2026, 9, 14),
    ]


def test_every_other_week_counts_from_the_first_week():
    rule = Rule(date(2026, 9, 2), date(2026, 10, 31), weekdays=(2,), interval=2)
    dates = rule.dates()
    assert dates[:3] == [date(2026, 9, 2), date(2026, 9, 16), date(2026, 9, 30)]
    assert all((b - a).days == 14 for a, b in itertools.pairwise(dates))


def test_monthly_nth_weekday_and_last_weekday():
    second_tuesday = Rule(
        date(2026, 7, 1), date(2026, 12, 31), frequency="monthly", month_week=2, month_weekday=1
    )
    assert second_tuesday.dates() == [
        date(2026, 7, 14),
        date(2026, 8, 11),
        date(2026, 9, 8),
        date(2026, 10, 13),
        date(2026, 11, 10),
        date(2026, 12, 8),
    ]
    last_friday = Rule(
        date(2026, 7, 1), date(2026, 9, 30), frequency="monthly", month_week=-1, month_weekday=4
    )
    assert last_friday.dates() == [date(2026, 7, 31), date(2026, 8, 28), date(2026, 9, 25)]
    assert second_tuesday.describe() == "Monthly on the 2nd Tuesday"


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (Rule(date(2026, 9, 10), date(2026, 9, 1), weekdays=(0,)), "ends_on"),
        (Rule(date(2026, 7, 1), date(2028, 7, 2), weekdays=(0,)), "ends_on"),
        (Rule(date(2026, 7, 1), date(2027, 6, 30)), "weekdays"),
        # Tuesday to Thursday never has a Monday: a rule that gives nothing.
        (Rule(date(2026, 9, 1), date(2026, 9, 3), weekdays=(0,)), "weekdays"),
        (Rule(date(2026, 7, 1), date(2027, 6, 30), frequency="monthly"), "month_week"),
    ],
)
def test_rule_problems(rule, field):
    assert field in [name for name, _ in rule.problems()]


def test_generation_skips_holidays_and_says_how_many(app_ctx, clock):
    prefill_federal_holidays(2026)
    add_holiday("Winter break", date(2026, 12, 24), date(2027, 1, 1))
    series = series_changes.create_series(
        series_values(starts_on=date(2026, 11, 9), ends_on=date(2027, 1, 8)), actor=None
    )
    result = series_changes.generate_sessions(series, actor=None)
    days = {s.occurrence_on for s in result.created}
    skipped = {day for day, _ in result.skipped_holidays}
    # Veterans Day (Wed 11 Nov), Thanksgiving (26 Nov), Christmas (observed Fri 25 Dec is
    # inside the winter break too) and the break's weekdays are skipped.
    assert date(2026, 11, 11) in skipped
    assert date(2026, 11, 26) in skipped
    assert {date(2026, 12, 24), date(2026, 12, 28), date(2027, 1, 1)} <= skipped
    assert not days & skipped
    weekdays_in_range = len(Rule.from_series(series).dates())
    assert result.created_count + result.skipped_count == weekdays_in_range
    assert result.skipped_count == 2 + 7  # two November holidays, seven break weekdays
    assert "skipped 9 on holidays" in result.summary()


def test_nth_weekday_series_skips_a_holiday(app_ctx, clock):
    prefill_federal_holidays(2026)
    series = series_changes.create_series(
        series_values(
            title="First Monday M&M",
            kind="mm",
            frequency="monthly",
            month_week=1,
            month_weekday=0,
            weekdays=[],
            starts_on=date(2026, 11, 5),
            ends_on=date(2027, 3, 31),
        ),
        actor=None,
    )
    result = series_changes.generate_sessions(series, actor=None)
    # 1st Mondays: 7 Dec, 4 Jan, 1 Feb, 1 Mar; none is a federal holiday in this range.
    assert [s.occurrence_on for s in result.created] == [
        date(2026, 12, 7),
        date(2027, 1, 4),
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]
    add_holiday("Program retreat", date(2027, 4, 5))
    series.ends_on = date(2027, 4, 30)
    again = series_changes.generate_sessions(series, actor=None)
    assert again.created == []
    assert again.skipped_holidays == [(date(2027, 4, 5), "Program retreat")]
    assert again.existing == 4


def test_generating_twice_adds_nothing(app_ctx, clock, changes):
    series = series_changes.create_series(series_values(), actor=None)
    first = series_changes.generate_sessions(series, actor=None)
    assert first.created_count == 16
    assert [change for _, change, _ in changes] == ["created"] * 16
    second = series_changes.generate_sessions(series, actor=None)
    assert second.created_count == 0
    assert second.existing == 16
    assert db.session.scalar(select(func.count()).select_from(Session)) == 16


def test_generated_sessions_copy_series_values_and_topics(app_ctx, clock):
    series = series_changes.create_series(
        series_values(audience={"pgy": [1]}, topics=["gi", "cardiovascular"]), actor=None
    )
    session = series_changes.generate_sessions(series, actor=None).created[0]
    db.session.expire_all()
    assert session.topics == ["cardiovascular", "gi"]
    assert session.audience == {"pgy": [1]}
    assert session.room == "Room 5A"
    assert session.required
    assert session.public_id
    assert session.checkin_secret


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"end_time": time(11)}, "end_time"),
        ({"ends_on": date(2026, 11, 1)}, "ends_on"),
        ({"ends_on": date(2029, 1, 1)}, "ends_on"),
        ({"weekdays": [5], "ends_on": date(2026, 11, 13)}, "weekdays"),
        ({"starts_on": date(2026, 10, 1)}, "confirm_past"),
    ],
)
def test_bad_series_is_refused_and_nothing_saved(app_ctx, clock, override, field):
    with pytest.raises(DomainError) as caught:
        series_changes.create_series(series_values(**override), actor=None)
    assert caught.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Session)) == 0


def test_past_start_is_allowed_when_confirmed(app_ctx, clock):
    series = series_changes.create_series(
        series_values(starts_on=date(2026, 10, 1)), actor=None, confirm_past=True
    )
    assert series.id


def test_a_year_of_weekdays_skips_every_weekday_federal_holiday(app_ctx, clock):
    prefill_federal_holidays(2026)
    series = series_changes.create_series(
        series_values(starts_on=date(2026, 11, 4), ends_on=date(2027, 6, 30)), actor=None
    )
    result = series_changes.generate_sessions(series, actor=None)
    holidays = db.session.scalars(
        select(Holiday.starts_on).where(Holiday.starts_on >= date(2026, 11, 4))
    ).all()
    weekday_holidays = {day for day in holidays if day.weekday() < 5}
    assert {day for day, _ in result.skipped_holidays} == weekday_holidays
    assert result.created_count == len(Rule.from_series(series).dates()) - len(weekday_holidays)
