"""A remote check-in that comes after a coordinator's absent mark waits as a request and,
accepted (on the roster's request buttons or by a new hand mark), stays remote."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conferences.attendance import checkins, marks
from conferences.attendance.models import Attendance
from conferences.extensions import db
from tests.attendance.conftest import code_at


def _remote_after_absent(clock, session, resident, coordinator):
    marks.set_marks(session, [resident.id], "absent", actor=coordinator)
    clock.advance(minutes=2)
    result = checkins.check_in_with_code(resident, code_at(session, clock()), remote=True)
    assert result.is_request
    assert result.is_remote
    row = db.session.scalars(select(Attendance)).one()
    assert (row.mark, row.request_mark, row.request_mode) == ("absent", "present", "remote")
    # The absent mark stands; how the resident joined is kept for the decision only.
    assert row.mode == "room"
    return row


def test_accepted_remote_check_in_after_an_absent_mark_stays_remote(
    app_ctx, clock, live_session, resident, coordinator
):
    session = live_session()
    _remote_after_absent(clock, session, resident, coordinator)
    checkins.decide_checkin_request(session, resident.id, accept=True, actor=coordinator)
    row = db.session.scalars(select(Attendance)).one()
    assert (row.mark, row.mode, row.request_mark, row.request_mode) == (
        "present",
        "remote",
        None,
        None,
    )


def test_dismissed_remote_check_in_leaves_the_mark_in_the_room(
    app_ctx, clock, live_session, resident, coordinator
):
    session = live_session()
    _remote_after_absent(clock, session, resident, coordinator)
    checkins.decide_checkin_request(session, resident.id, accept=False, actor=coordinator)
    row = db.session.scalars(select(Attendance)).one()
    assert (row.mark, row.mode, row.request_mode) == ("absent", "room", None)


@pytest.mark.parametrize(("mark", "mode"), [("present", "remote"), ("excused", "room")])
def test_a_hand_mark_decides_the_waiting_remote_check_in(
    app_ctx, clock, live_session, resident, coordinator, mark, mode
):
    session = live_session()
    _remote_after_absent(clock, session, resident, coordinator)
    marks.set_marks(session, [resident.id], mark, actor=coordinator)
    row = db.session.scalars(select(Attendance)).one()
    assert (row.mark, row.mode, row.request_mark, row.request_mode) == (mark, mode, None, None)


def test_a_room_check_in_after_an_absent_mark_is_accepted_in_the_room(
    app_ctx, clock, live_session, resident, coordinator
):
    session = live_session()
    marks.set_marks(session, [resident.id], "absent", actor=coordinator)
    checkins.check_in(session, resident, code_at(session, clock()))
    checkins.decide_checkin_request(session, resident.id, accept=True, actor=coordinator)
    row = db.session.scalars(select(Attendance)).one()
    assert (row.mark, row.mode) == ("present", "room")
