"""Rolling the schedule into the next academic year: dates from each rule, holidays filled
first, blackouts proposed, times right across DST, idempotent, undoable."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.program.services import set_threshold, threshold_for
from conferences.schedule import holidays as holiday_service
from conferences.schedule import rollforward, series_changes, session_changes
from conferences.schedule.models import Holiday, Series, Session, YearRollover
from tests.schedule.conftest import series_values


@pytest.fixture
def this_year(clock, app_ctx):
    """2026-27 as a program runs it: federal holidays, a winter break, a weekday noon
    conference and a monthly second-Tuesday M&M, every session generated."""
    holiday_service.prefill_federal_holidays(2026)
    holiday_service.add_holiday("Winter break", date(2026, 12, 21), date(2027, 1, 1))
    noon = series_changes.create_series(
        series_values(
            title="Noon Conference",
            starts_on=date(2026, 7, 1),
            ends_on=date(2027, 6, 30),
            topics=["cardiovascular"],
            audience={"pgy": [1, 2]},
        ),
        actor=None,
        confirm_past=True,
    )
    mm = series_changes.create_series(
        series_values(
            title="M&M",
            kind="mm",
            start_time=time(7, 30),
            end_time=time(8, 30),
            room="Auditorium",
            frequency="monthly",
            weekdays=[],
            month_week=2,
            month_weekday=1,
            starts_on=date(2026, 7, 1),
            ends_on=date(2027, 6, 30),
        ),
        actor=None,
        confirm_past=True,
    )
    series_changes.generate_sessions(noon, actor=None)
    series_changes.generate_sessions(mm, actor=None)
    db.session.flush()
    return noon, mm


def _occurrences(series: Series, year: int) -> dict[date, Session]:
    first, last = timeutil.academic_year_bounds(year)
    return {
        s.occurrence_on: s
        for s in db.session.scalars(
            select(Session).where(
                Session.series_id == series.id,
                Session.occurrence_on >= first,
                Session.occurrence_on <= last,
            )
        )
    }


def test_labor_day_and_thanksgiving_2027_get_no_noon_conference(this_year):
    noon, _ = this_year
    plan = rollforward.preview(2027)
    noon_plan = next(p for p in plan.series if p.series.id == noon.id)
    skipped = dict(noon_plan.skipped)
    assert skipped[date(2027, 9, 6)] == "Labor Day"
    assert skipped[date(2027, 11, 25)] == "Thanksgiving Day"
    assert skipped[date(2027, 12, 24)] == "Christmas Day (observed)"
    assert skipped[date(2027, 12, 27)] == "Winter break"  # proposed at the same dates

    result = rollforward.apply(2027, actor=None)
    sessions = _occurrences(noon, 2027)
    assert date(2027, 9, 6) not in sessions
    assert date(2027, 11, 25) not in sessions
    assert date(2027, 9, 7) in sessions
    assert date(2027, 11, 24) in sessions
    assert (
        len(sessions)
        == len(noon_plan.new)
        == result.created - len(_occurrences(this_year[1], 2027))
    )
    federal = {
        h.name for h in holiday_service.holidays_between(date(2027, 7, 1), date(2028, 6, 30))
    }
    assert {"Labor Day", "Thanksgiving Day", "Winter break"} <= federal
    # The series keeps itself: the same row, its rule, room, audience, kind, topics.
    assert noon.starts_on == date(2027, 7, 1)
    assert noon.ends_on == date(2028, 6, 30)
    sample = sessions[date(2027, 10, 4)]
    assert (sample.room, sample.kind, sample.required) == ("Room 5A", "noon_conference", True)
    assert sample.audience == {"pgy": [1, 2]}
    assert sample.topics == ["cardiovascular"]


def test_times_stay_at_noon_across_the_2027_and_2028_clock_changes(this_year):
    noon, mm = this_year
    rollforward.apply(2027, actor=None)
    sessions = _occurrences(noon, 2027)
    # Clocks go back on Sun 7 Nov 2027 and forward on Sun 12 Mar 2028.
    assert sessions[date(2027, 11, 5)].starts_at == datetime(2027, 11, 5, 16, 0, tzinfo=UTC)
    assert sessions[date(2027, 11, 8)].starts_at == datetime(2027, 11, 8, 17, 0, tzinfo=UTC)
    assert sessions[date(2028, 3, 10)].starts_at == datetime(2028, 3, 10, 17, 0, tzinfo=UTC)
    assert sessions[date(2028, 3, 13)].starts_at == datetime(2028, 3, 13, 16, 0, tzinfo=UTC)
    for day, session in sessions.items():
        local = timeutil.to_local(session.starts_at)
        assert (local.date(), local.time()) == (day, time(12, 0))
        assert session.ends_at - session.starts_at == timedelta(hours=1)
    for session in _occurrences(mm, 2027).values():
        assert timeutil.to_local(session.starts_at).time() == time(7, 30)


def test_the_second_tuesday_stays_the_second_tuesday(this_year):
    _, mm = this_year
    rollforward.apply(2027, actor=None)
    days = sorted(_occurrences(mm, 2027))
    assert len(days) == 12
    assert all(day.weekday() == 1 and 8 <= day.day <= 14 for day in days)
    assert days[0] == date(2027, 7, 13)
    assert days[-1] == date(2028, 6, 13)


def test_every_other_week_keeps_its_weeks(clock, app_ctx):
    series = series_changes.create_series(
        series_values(
            weekdays=[2], interval=2, starts_on=date(2026, 7, 8), ends_on=date(2027, 6, 30)
        ),
        actor=None,
        confirm_past=True,
    )
    series_changes.generate_sessions(series, actor=None)
    last_this_year = max(_occurrences(series, 2026))
    rollforward.apply(2027, actor=None, blackouts=[])
    days = sorted(_occurrences(series, 2027))
    assert all((day - last_this_year).days % 14 == 0 for day in days)
    assert all((b - a).days == 14 for a, b in itertools.pairwise(days))


def test_a_second_run_adds_nothing_and_says_so(this_year):
    first = rollforward.apply(2027, actor=None)
    assert first.rollover is not None
    assert first.created > 200
    count = db.session.scalar(select(func.count(Session.id)))
    holidays = db.session.scalar(select(func.count(Holiday.id)))

    again = rollforward.apply(2027, actor=None)
    assert again.rollover is None
    assert again.plan.new_count == 0
    assert again.plan.existing_count == first.created
    assert again.summary().startswith("Nothing to add")
    assert db.session.scalar(select(func.count(Session.id))) == count
    assert db.session.scalar(select(func.count(Holiday.id))) == holidays
    assert db.session.scalar(select(func.count(YearRollover.id))) == 1


def test_the_preview_writes_nothing(this_year):
    count = db.session.scalar(select(func.count(Session.id)))
    plan = rollforward.preview(2027)
    assert plan.new_count > 200
    assert plan.federal
    assert db.session.scalar(select(func.count(Session.id))) == count
    assert not holiday_service.holidays_between(date(2027, 7, 1), date(2028, 6, 30))


def test_undo_removes_what_it_added_and_puts_the_series_back(this_year):
    noon, _ = this_year
    set_threshold(2026, 80)
    result = rollforward.apply(2027, actor=None)
    assert threshold_for(2027) == 80
    assert rollforward.undo(result.rollover, actor=None) == result.created
    assert not _occurrences(noon, 2027)
    assert (noon.starts_on, noon.ends_on) == (date(2026, 7, 1), date(2027, 6, 30))
    assert not holiday_service.holidays_between(date(2027, 7, 1), date(2028, 6, 30))
    assert threshold_for(2027) == 70  # back to never set
    assert len(_occurrences(noon, 2026)) > 200  # this year untouched
    with pytest.raises(DomainError, match="already undone"):
        rollforward.undo(result.rollover, actor=None)
    assert rollforward.apply(2027, actor=None).created == result.created  # and again


def test_undo_is_refused_once_a_new_year_session_has_attendance(this_year, make_resident):
    from conferences.attendance.models import Attendance

    noon, _ = this_year
    result = rollforward.apply(2027, actor=None)
    session = _occurrences(noon, 2027)[date(2027, 9, 7)]
    db.session.add(
        Attendance(
            session_id=session.id,
            resident_id=make_resident().id,
            mark="present",
            source="manual",
        )
    )
    db.session.flush()
    with pytest.raises(DomainError, match="can no longer be undone"):
        rollforward.undo(result.rollover, actor=None)
    assert _occurrences(noon, 2027)[date(2027, 9, 7)].id == session.id


def test_template_slots_come_over_empty(this_year, make_user):
    from conferences.teaching import slots
    from conferences.teaching.models import TeachingSlot

    noon, _ = this_year
    slots.set_slot_template(noon, [slots.TemplateRow("lecturer")], actor=None)
    slots.apply_template(noon)
    slot = db.session.scalars(select(TeachingSlot)).first()
    slot.holder_id = make_user().id
    db.session.flush()
    rollforward.apply(2027, actor=None)
    new_ids = [s.id for s in _occurrences(noon, 2027).values()]
    carried = list(
        db.session.scalars(select(TeachingSlot).where(TeachingSlot.session_id.in_(new_ids)))
    )
    assert len(carried) == len(new_ids)
    assert {(s.role, s.holder_id) for s in carried} == {("lecturer", None)}
    # This year's teaching record stays whole, through the roll-forward and its undo.
    holder = slot.holder_id
    rollforward.undo(rollforward.last_rollover(), actor=None)
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id == holder
    assert db.session.get(Session, slot.session_id).series_id == noon.id


def test_next_years_threshold_starts_with_this_years_and_changes_alone(this_year):
    set_threshold(2026, 80)
    assert rollforward.preview(2027).threshold == 80
    rollforward.apply(2027, actor=None, threshold=75)
    assert (threshold_for(2026), threshold_for(2027)) == (80, 75)


def test_only_the_observances_kept_this_year_are_filled(this_year):
    columbus = db.session.scalars(select(Holiday).where(Holiday.name == "Columbus Day")).one()
    holiday_service.delete_holiday(columbus)
    plan = rollforward.preview(2027)
    names = {name for _, name in plan.federal}
    assert "Columbus Day" not in names
    assert {"Labor Day", "Christmas Day (observed)", "Independence Day (observed)"} <= names
    noon_plan = next(p for p in plan.series if p.series.slug == this_year[0].slug)
    assert date(2027, 10, 11) in noon_plan.new


def test_confirmed_blackout_dates_replace_the_proposal(this_year):
    noon, _ = this_year
    (proposal,) = rollforward.preview(2027).proposals
    assert (proposal.starts_on, proposal.ends_on) == (date(2027, 12, 21), date(2028, 1, 1))
    changed = rollforward.Blackout("Winter break", date(2027, 12, 20), date(2027, 12, 31))
    rollforward.apply(2027, actor=None, blackouts=[changed])
    sessions = _occurrences(noon, 2027)
    assert date(2027, 12, 20) not in sessions
    assert date(2028, 1, 3) in sessions
    again = rollforward.preview(2027)
    assert again.proposals == []  # the changed winter break is not proposed again
    assert again.nothing_to_add


def test_conflicts_with_what_next_year_already_has_are_shown(this_year):
    session_changes.create_session(
        {
            "title": "Visiting professor",
            "kind": "lecture",
            "day": date(2027, 9, 14),
            "start_time": time(12, 30),
            "end_time": time(13, 30),
            "room": "Room 5A",
            "audience": {},
            "required": False,
            "topics": [],
        },
        actor=None,
    )
    plan = rollforward.preview(2027)
    noon_plan = next(p for p in plan.series if p.series.slug == this_year[0].slug)
    assert any("Visiting professor" in line and "Room 5A" in line for line in noon_plan.conflicts)


def test_only_the_chosen_series_and_bad_years_are_refused(this_year):
    _, mm = this_year
    plan = rollforward.preview(2027, slugs=[mm.slug])
    assert [p.series.slug for p in plan.series] == [mm.slug]
    with pytest.raises(DomainError, match="No series"):
        rollforward.preview(2027, slugs=["nope"])
    with pytest.raises(DomainError, match="already ended"):
        rollforward.preview(2025)
    with pytest.raises(DomainError, match="one year at a time"):
        rollforward.preview(2030)
    assert rollforward.parse_year("2027-2028") == rollforward.parse_year("2027–28") == 2027
    with pytest.raises(DomainError, match="1 July to 30 June"):
        rollforward.parse_year("2027-2029")


def test_the_command_previews_applies_and_says_when_there_is_nothing_more(this_year, runner):
    db.session.commit()
    dry = runner.invoke(args=["schedule", "roll-forward", "--to", "2027-2028", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "skip 2027-11-25: Thanksgiving Day" in dry.output
    assert "Nothing written" in dry.output
    assert db.session.scalar(select(func.count(YearRollover.id))) == 0
    done = runner.invoke(args=["schedule", "roll-forward", "--to", "2027-2028"])
    assert done.exit_code == 0, done.output
    assert "Rolled 2 series into 2027–28" in done.output
    again = runner.invoke(args=["schedule", "roll-forward", "--to", "2027-2028"])
    assert "Nothing to add" in again.output
    bad = runner.invoke(args=["schedule", "roll-forward", "--to", "2027-2029"])
    assert bad.exit_code != 0
    assert "1 July to 30 June" in bad.output
    undone = runner.invoke(args=["schedule", "roll-forward", "--to", "2027-2028", "--undo"])
    assert undone.exit_code == 0
    assert "Undone" in undone.output
