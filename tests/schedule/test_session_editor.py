"""The session editor's rules (session_changes.edit_session and friends), on both backends:
a new start moves the end; what is odd about a change (holiday, blackout, past, a room or
audience conflict) is asked before anything is written, and goes ahead with the token of
the very warnings shown; a new date is one "moved" change of this session only."""

from __future__ import annotations

from datetime import date, time

import pytest

from conferences import timeutil
from conferences.errors import ConfirmationNeeded, DomainError
from conferences.extensions import db
from conferences.schedule import queries, series_changes, session_changes
from conferences.schedule.holidays import add_holiday
from tests.schedule.conftest import series_values


def _values(session, **changes) -> dict:
    """What the editor sends: every value of the session, with ``changes``."""
    start, end = queries.wall_times(session)
    values = {
        "title": session.title,
        "kind": session.kind,
        "description": session.description,
        "day": timeutil.local_date(session.starts_at),
        "start_time": start,
        "end_time": end,
        "room": session.room,
        "video_url": session.video_url,
        "audience": session.audience,
        "required": session.required,
        "topics": session.topics,
        "checkin_opens_minutes": session.checkin_opens_minutes,
        "checkin_closes_minutes": session.checkin_closes_minutes,
        "checkin_grace_minutes": session.checkin_grace_minutes,
    }
    values.update(changes)
    return values


@pytest.mark.parametrize(
    ("shown", "sent", "saved_end"),
    [
        ((time(12), time(13)), (time(14), time(13)), time(15)),  # the end follows
        ((time(12), time(13)), (time(11, 30), time(13)), time(12, 30)),  # earlier too
        ((time(12), time(13)), (time(14), time(16)), time(16)),  # the end was changed too
        ((time(12), time(13)), (time(12), time(13, 30)), time(13, 30)),  # only the end
        ((time(12), time(13)), (time(23, 30), time(13)), time(0, 30)),  # past midnight
        ((None, time(13)), (time(14), time(13)), time(13)),  # nothing shown: as sent
    ],
)
def test_a_new_start_moves_the_end_unless_the_end_changed_too(shown, sent, saved_end):
    assert session_changes.end_following_start(*shown, *sent) == saved_end


def test_a_start_past_midnight_is_refused_not_saved(app_ctx, clock, make_session, coordinator):
    session = make_session(on=date(2026, 11, 12))
    end = session_changes.end_following_start(time(12), time(13), time(23, 30), time(13))
    with pytest.raises(DomainError, match="end time must be after"):
        session_changes.edit_session(
            session, _values(session, start_time=time(23, 30), end_time=end), coordinator
        )
    assert session.revision == 0


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 12, 25), "Christmas"),
        (date(2026, 12, 29), "Winter break"),
        (date(2026, 10, 1), "in the past"),
        (date(2028, 1, 10), "more than a year ahead"),
    ],
)
def test_an_odd_date_is_asked_first_and_nothing_is_written(
    app_ctx, clock, make_session, coordinator, changes, day, words
):
    add_holiday("Christmas", date(2026, 12, 25))
    add_holiday("Winter break", date(2026, 12, 28), date(2026, 12, 31))
    session = make_session(on=date(2026, 11, 12))
    before = (session.starts_at, session.revision, session.detached)
    with pytest.raises(ConfirmationNeeded) as asked:
        session_changes.edit_session(session, _values(session, day=day), coordinator)
    assert any(words in warning for warning in asked.value.warnings)
    assert (session.starts_at, session.revision, session.detached) == before
    assert changes == []
    # A wrong token does not go on either.
    with pytest.raises(ConfirmationNeeded):
        session_changes.edit_session(
            session, _values(session, day=day), coordinator, confirmed="not-the-token"
        )
    changed = session_changes.edit_session(
        session, _values(session, day=day), coordinator, confirmed=asked.value.token
    )
    assert changed == [session]
    assert timeutil.local_date(session.starts_at) == day
    assert queries.wall_times(session) == (time(12), time(13))
    assert session.revision == 1
    assert changes == [(session, "moved", coordinator)]


def test_a_room_double_booking_is_asked_first(app_ctx, clock, make_session, coordinator):
    session = make_session(on=date(2026, 11, 12), room="Room 1", title="Morning report")
    make_session(on=date(2026, 11, 13), start=time(12, 30), room="Aud", title="Grand rounds")
    values = _values(session, day=date(2026, 11, 13), room="aud")
    with pytest.raises(ConfirmationNeeded) as asked:
        session_changes.edit_session(session, values, coordinator)
    assert asked.value.warnings == session_changes.edit_warnings(session, values)
    assert any("double-booked" in w and "Grand rounds" in w for w in asked.value.warnings)
    assert timeutil.local_date(session.starts_at) == date(2026, 11, 12)
    session_changes.edit_session(session, values, coordinator, confirmed=asked.value.token)
    assert timeutil.local_date(session.starts_at) == date(2026, 11, 13)
    assert session.room == "aud"


def test_a_required_session_for_the_same_audience_is_asked_first(
    app_ctx, clock, make_session, coordinator
):
    session = make_session(on=date(2026, 11, 12), audience={"pgy": [1]}, room="A")
    make_session(on=date(2026, 11, 12), start=time(14), audience={"pgy": [1, 2]}, room="B")
    make_session(on=date(2026, 11, 12), start=time(16), audience={"pgy": [3]}, room="C")
    overlapping = _values(session, start_time=time(14), end_time=time(15))
    with pytest.raises(ConfirmationNeeded) as asked:
        session_changes.edit_session(session, overlapping, coordinator)
    assert any("overlaps the required" in w for w in asked.value.warnings)
    # Another audience (PGY-3) at the same time is no conflict: saved at once.
    apart = _values(session, start_time=time(16), end_time=time(17))
    assert session_changes.edit_session(session, apart, coordinator) == [session]
    assert queries.wall_times(session) == (time(16), time(17))


def test_a_change_that_cannot_cause_a_conflict_is_not_asked(
    app_ctx, clock, make_session, coordinator
):
    """A conflict already there is not asked about again when only the title changes."""
    session = make_session(on=date(2026, 11, 12), room="Aud")
    make_session(on=date(2026, 11, 12), room="Aud")
    assert session_changes.edit_warnings(session, _values(session, title="New")) == []
    changed = session_changes.edit_session(session, _values(session, title="New"), coordinator)
    assert changed == [session]
    assert session.title == "New"


def test_checking_writes_nothing(app_ctx, clock, make_session, coordinator):
    session = make_session(on=date(2026, 11, 12), room="Aud")
    make_session(on=date(2026, 11, 13), room="Aud")
    db.session.commit()
    before = (session.title, session.starts_at, session.room, session.revision)
    values = _values(session, day=date(2026, 11, 13), start_time=time(12, 30), title="Changed")
    assert session_changes.edit_warnings(session, values)
    assert not db.session.new
    assert not db.session.dirty
    db.session.expire_all()
    assert (session.title, session.starts_at, session.room, session.revision) == before


def test_a_new_date_and_other_values_are_one_moved_change(app_ctx, clock, coordinator, changes):
    series = series_changes.create_series(series_values(), actor=None)
    sessions = series_changes.generate_sessions(series, actor=None).created
    session = sessions[2]  # Wed 11 Nov
    changes.clear()
    values = _values(session, day=date(2026, 11, 14), title="Saturday special", room="Aud")
    changed = session_changes.edit_session(session, values, coordinator)
    assert changed == [session]
    assert changes == [(session, "moved", coordinator)]
    assert (session.title, session.room) == ("Saturday special", "Aud")
    assert timeutil.local_date(session.starts_at) == date(2026, 11, 14)
    assert session.occurrence_on == date(2026, 11, 11)  # regenerating does not add it again
    assert session.detached
    assert session.revision == 1
    assert all(s.revision == 0 for s in sessions if s is not session)


def test_a_new_date_for_this_and_following_is_refused(app_ctx, clock, coordinator, changes):
    series = series_changes.create_series(series_values(), actor=None)
    sessions = series_changes.generate_sessions(series, actor=None).created
    session = sessions[2]
    changes.clear()
    with pytest.raises(DomainError) as refused:
        session_changes.edit_session(
            session, _values(session, day=date(2026, 11, 14)), coordinator, scope="following"
        )
    assert refused.value.field == "day"
    assert changes == []
    assert timeutil.local_date(session.starts_at) == date(2026, 11, 11)


def test_following_sessions_conflicts_are_asked_too(app_ctx, clock, coordinator):
    series = series_changes.create_series(series_values(), actor=None)
    sessions = series_changes.generate_sessions(series, actor=None).created
    blocker = series_changes.create_series(
        series_values(
            title="Board review",
            room="Aud",
            required=False,
            starts_on=date(2026, 11, 25),
            ends_on=date(2026, 11, 25),
        ),
        actor=None,
    )
    series_changes.generate_sessions(blocker, actor=None)
    pivot = sessions[5]  # Mon 16 Nov; the blocker is on Wed 25 Nov in "Aud"
    values = _values(pivot, room="Aud")
    warnings = session_changes.edit_warnings(pivot, values, scope="following")
    assert any("Board review" in w and "25 Nov" in w for w in warnings)
    assert session_changes.edit_warnings(pivot, values, scope="this") == []


def test_a_room_change_is_a_move_for_those_who_hear_of_moves(
    app_ctx, clock, make_session, coordinator, changes
):
    session = make_session(on=date(2026, 11, 12), room="Room 1")
    session_changes.edit_session(session, _values(session, room="Room 2"), coordinator)
    session_changes.edit_session(session, _values(session, title="Renamed"), coordinator)
    assert [change for _, change, _ in changes] == ["moved", "edited"]
