"""Editing one session or the following ones; move, cancel, restore, delete; revisions."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import func, select

from conferences.errors import DomainError
from conferences.extensions import db
from conferences.program.services import counter_value
from conferences.schedule import bookkeeping, deletion, queries, series_changes, session_changes
from conferences.schedule.models import Session
from tests.schedule.conftest import series_values


@pytest.fixture
def generated(app_ctx, clock):
    """A weekday noon series, 9–30 November 2026, generated (16 sessions)."""
    series = series_changes.create_series(series_values(), actor=None)
    sessions = series_changes.generate_sessions(series, actor=None).created
    db.session.commit()
    return series, sessions


def test_edit_one_keeps_its_values_when_the_series_changes(generated, coordinator):
    series, sessions = generated
    one = sessions[3]
    session_changes.update_session(one, {"title": "Special lecture", "room": "Aud"}, coordinator)
    assert one.detached
    assert one.revision == 1
    assert [s.title for s in sessions if s.title != "Noon Conference"] == ["Special lecture"]
    changed = series_changes.update_series(
        series, {"title": "Noon Report", "room": "Room 7"}, coordinator, scope="all"
    )
    assert one not in changed
    assert len(changed) == 15
    assert (one.title, one.room) == ("Special lecture", "Aud")
    assert {s.title for s in sessions if s is not one} == {"Noon Report"}


def test_edit_following_changes_this_and_later_sessions_only(generated, coordinator, changes):
    series, sessions = generated
    pivot = sessions[5]
    changed = session_changes.update_session(
        pivot, {"room": "Room 9", "start_time": time(12, 15)}, coordinator, scope="following"
    )
    assert changed == sessions[5:]
    assert all(s.room == "Room 9" for s in sessions[5:])
    assert all(s.room == "Room 5A" for s in sessions[:5])
    assert all(queries.wall_times(s)[0] == time(12, 15) for s in sessions[5:])
    assert all(s.revision == 1 for s in sessions[5:])
    assert all(s.revision == 0 for s in sessions[:5])
    assert {change for _, change, _ in changes} == {"moved"}
    # Later generation uses the new values too.
    assert series.room == "Room 9"
    assert series.start_time == time(12, 15)


def test_update_series_upcoming_leaves_past_sessions(generated, coordinator, clock):
    series, sessions = generated
    clock.set(clock.at.replace(day=18))
    changed = series_changes.update_series(
        series, {"room": "Room 2"}, coordinator, scope="upcoming"
    )
    assert changed
    assert all(s.starts_at >= clock.at for s in changed)
    assert sessions[0].room == "Room 5A"


def test_move_bumps_revision_and_keeps_occurrence(generated, coordinator, changes, clock):
    _, sessions = generated
    session = sessions[0]
    before_counter = counter_value()
    clock.advance(minutes=30)
    session_changes.move_session(
        session, date(2026, 11, 14), time(9), time(10), coordinator, room="B"
    )
    assert session.revision == 1
    assert session.updated_at == clock.at
    assert session.occurrence_on == date(2026, 11, 9)
    assert queries.wall_times(session) == (time(9), time(10))
    assert counter_value() == before_counter + 1
    assert changes[-1][1:] == ("moved", coordinator)


def test_cancel_and_restore_bump_revision(generated, coordinator, changes):
    _, sessions = generated
    session = sessions[1]
    session_changes.cancel_session(session, "Snow day", coordinator)
    assert session.is_cancelled
    assert session.cancel_reason == "Snow day"
    assert session.revision == 1
    with pytest.raises(DomainError):
        session_changes.cancel_session(session, "again", coordinator)
    session_changes.restore_session(session, coordinator)
    assert not session.is_cancelled
    assert session.revision == 2
    assert [c for _, c, _ in changes] == ["cancelled", "restored"]


def test_cancel_needs_a_reason(generated, coordinator):
    _, sessions = generated
    with pytest.raises(DomainError) as caught:
        session_changes.cancel_session(sessions[0], "  ", coordinator)
    assert caught.value.field == "reason"
    assert not sessions[0].is_cancelled
    assert sessions[0].revision == 0


def test_touch_session_bumps_revision_and_counter(generated):
    _, sessions = generated
    before = counter_value()
    bookkeeping.touch_session(sessions[0])
    assert sessions[0].revision == 1
    assert counter_value() == before + 1


def test_delete_refuses_when_attendance_or_a_held_slot_exists(
    generated, coordinator, make_resident, make_user
):
    from conferences.attendance.models import Attendance
    from conferences.teaching.models import TeachingSlot

    _, sessions = generated
    resident = make_resident()
    db.session.add(
        Attendance(
            session_id=sessions[0].id, resident_id=resident.id, mark="present", source="manual"
        )
    )
    teacher = make_user(roles=("faculty",))
    db.session.add(TeachingSlot(session_id=sessions[1].id, role="lecturer", holder_id=teacher.id))
    db.session.add(TeachingSlot(session_id=sessions[2].id, role="lecturer"))
    db.session.flush()
    for session in sessions[:2]:
        with pytest.raises(DomainError, match="cancel it instead"):
            deletion.delete_session(session, coordinator)
    deletion.delete_session(sessions[2], coordinator)  # an open slot does not block
    assert db.session.scalar(select(func.count()).select_from(Session)) == 15


def test_one_off_session_and_lookups(app_ctx, clock, coordinator, changes):
    session = session_changes.create_session(
        {
            "title": "Visiting professor",
            "kind": "grand_rounds",
            "day": date(2026, 11, 12),
            "start_time": time(8),
            "end_time": time(9, 30),
            "topics": ["oncology"],
        },
        coordinator,
    )
    assert session.series_id is None
    assert session.topics == ["oncology"]
    assert queries.get_session_by_public_id(session.public_id) is session
    assert queries.get_session_by_public_id("nope") is None
    start = session.starts_at - timedelta(hours=1)
    assert queries.sessions_between(start, start + timedelta(hours=3)) == [session]
    session_changes.cancel_session(session, "Flight cancelled", coordinator)
    assert (
        queries.sessions_between(start, start + timedelta(hours=3), include_cancelled=False) == []
    )
    assert changes[0][1] == "created"


def test_deleted_occurrence_stays_out_of_later_generations_until_brought_back(
    generated, coordinator, client, auth
):
    series, sessions = generated
    gone = sessions[3]
    day = gone.occurrence_on
    deletion.delete_session(gone, coordinator)
    db.session.commit()

    plan = series_changes.plan_generation(series)
    assert plan.new == []
    assert plan.removed == [day]
    again = series_changes.generate_sessions(series, actor=None)
    assert again.created == []
    assert "left out 1 deleted date(s)" in again.summary()
    assert day not in {s.occurrence_on for s in db.session.scalars(select(Session))}

    # The series page lists the date with a way back; bringing it back lets it generate.
    auth.login(coordinator.email)
    page = client.get(f"/series/{series.slug}")
    assert "Deleted dates, left out" in page.text
    response = client.post(f"/series/{series.slug}/removed-dates/{day.isoformat()}/restore")
    assert response.status_code == 303
    assert (
        client.post(f"/series/{series.slug}/removed-dates/{day.isoformat()}/restore").status_code
        == 404
    )
    db.session.expire_all()
    assert series_changes.plan_generation(series).new == [day]
    (back,) = series_changes.generate_sessions(series, actor=None).created
    assert back.occurrence_on == day


def test_deleting_a_one_off_session_records_no_series_date(app_ctx, clock, coordinator):
    from conferences.schedule.models import SeriesRemovedDate

    session = session_changes.create_session(
        {
            "title": "Visiting professor",
            "kind": "grand_rounds",
            "day": date(2026, 11, 12),
            "start_time": time(8),
            "end_time": time(9, 30),
        },
        coordinator,
    )
    deletion.delete_session(session, coordinator)
    assert db.session.scalars(select(SeriesRemovedDate)).all() == []
