"""A coordinator who changes a resident's own check-in must say why; the reason is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conferences.attendance import checkins, marks
from conferences.attendance.models import Attendance, AttendanceChange
from conferences.errors import DomainError
from conferences.extensions import db
from tests.attendance.conftest import code_at


def _checked_in(clock, live_session, resident):
    session = live_session()
    checkins.check_in(session, resident, code_at(session, clock()))
    db.session.commit()
    return session


def test_overriding_a_check_in_without_a_reason_is_refused_and_changes_nothing(
    clock, live_session, resident, coordinator
):
    session = _checked_in(clock, live_session, resident)
    with pytest.raises(DomainError) as refused:
        marks.set_marks(session, [resident.id], "absent", actor=coordinator)
    assert refused.value.field == "reason"
    db.session.rollback()
    assert db.session.scalars(select(Attendance.mark)).one() == "present"


def test_overriding_a_check_in_with_a_reason_is_audited(clock, live_session, resident, coordinator):
    session = _checked_in(clock, live_session, resident)
    marks.set_marks(
        session, [resident.id], "absent", actor=coordinator, reason="Left after ten minutes"
    )
    db.session.commit()
    change = db.session.scalars(
        select(AttendanceChange).where(AttendanceChange.actor_id == coordinator.id)
    ).one()
    assert (change.old_mark, change.new_mark, change.reason) == (
        "present",
        "absent",
        "Left after ten minutes",
    )


def test_marks_that_change_no_check_in_need_no_reason(
    clock, live_session, resident, coordinator, make_resident
):
    session = _checked_in(clock, live_session, resident)
    other = make_resident()
    # The same mark as the check-in, and a resident with no check-in: nothing overridden.
    assert marks.set_marks(session, [resident.id, other.id], "present", actor=coordinator) == 1


def test_the_roster_refuses_the_override_with_the_reason_and_the_history_shows_it(
    client, auth, clock, live_session, resident, coordinator
):
    session = _checked_in(clock, live_session, resident)
    auth.login(coordinator.email)
    url = f"/sessions/{session.public_id}/roster/marks"
    refused = client.post(url, data={"single": f"{resident.id}:absent"})
    assert refused.status_code == 422
    assert "say why in Reason" in refused.text
    done = client.post(url, data={"single": f"{resident.id}:absent", "reason": "Left early"})
    assert done.status_code == 303
    assert "Left early" in client.get(f"/attendance/residents/{resident.id}").text
