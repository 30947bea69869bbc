"""Bugs the fuzzers found in the schedule, pinned with the smallest input that showed them."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.schedule import importer, series_changes, session_changes
from conferences.schedule.recurrence import Rule

HEADER = "date,start,end,title\n"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (HEADER.replace("\n", "\r") + "2026-11-16,12:00,13:00,Old Mac\r", None),
        (HEADER + "2026-11-16,12:00,13:00," + "y" * 140_000 + "\n", 2),
        (HEADER + "2026-11-16,12:00,13:00,a\x00b\n", 2),
        (HEADER + "9999-12-31,23:00,23:30,Far away\n", 2),
    ],
    ids=["cr-line-endings", "huge-cell", "nul", "year-9999"],
)
def test_schedule_csv_edge_cases_are_read_or_rejected_by_line(app_ctx, text, line):
    parsed = importer.parse(text)
    if line is None:
        assert parsed.errors == []
        assert [row.title for row in parsed.rows] == ["Old Mac"]
    else:
        assert [n for n, _ in parsed.errors] == [line]


def test_rule_with_dates_near_year_9999_is_refused_not_crashing():
    rule = Rule(date(9999, 1, 1), date(9999, 12, 31), weekdays=(0,))
    assert ("starts_on", "Choose a date between 1900 and 2199.") in rule.problems()


def test_series_starting_in_the_spring_forward_gap_keeps_its_length(app_ctx, make_series):
    """02:30–03:00 on 8 March 2026 does not exist in New York: it runs 03:30–04:00."""
    series = make_series(
        starts_on=date(2026, 3, 8),
        ends_on=date(2026, 3, 15),
        weekdays=[6],
        start_time=time(2, 30),
        end_time=time(3, 0),
    )
    created = series_changes.generate_sessions(series, None).created
    db.session.flush()
    gap_day, next_week = created
    assert gap_day.ends_at - gap_day.starts_at == timedelta(minutes=30)
    assert timeutil.to_local(gap_day.starts_at).time() == time(3, 30)
    assert timeutil.to_local(next_week.starts_at).time() == time(2, 30)


def test_one_off_session_far_in_the_future_is_refused(app_ctx):
    values = {
        "title": "Far",
        "kind": "lecture",
        "day": date(9999, 12, 31),
        "start_time": time(23, 0),
        "end_time": time(23, 30),
    }
    with pytest.raises(DomainError):
        session_changes.create_session(values, None)
