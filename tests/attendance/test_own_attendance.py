"""Nobody records or approves their own attendance: a chief resident (resident and
coordinator) can mark others and decide their claims, never their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conferences.attendance import claims, marks
from conferences.attendance.models import Attendance, AttendanceChange, AttendanceClaim
from conferences.errors import NotAllowed
from conferences.extensions import db
from tests.attendance.conftest import SESSION_DAY, STARTS_AT


@pytest.fixture
def chief(make_resident):
    return make_resident(
        pgy=3,
        email="chief@example.test",
        name="Chief Resident",
        on=SESSION_DAY,
        roles=("resident", "coordinator"),
    )


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_chief_resident_cannot_mark_themselves(live_session, chief, resident):
    session = live_session()
    db.session.flush()
    with pytest.raises(NotAllowed, match="your own attendance"):
        marks.set_marks(session, [chief.id], "present", actor=chief)
    with pytest.raises(NotAllowed):  # not even among others: nothing is saved
        marks.set_marks(session, [resident.id, chief.id], "present", actor=chief)
    assert count(Attendance) == count(AttendanceChange) == 0
    assert marks.set_marks(session, [resident.id], "present", actor=chief) == 1


def test_the_roster_page_refuses_marking_oneself(client, auth, live_session, chief, clock):
    session = live_session()
    db.session.commit()
    auth.login(chief.email)
    response = client.post(
        f"/sessions/{session.public_id}/roster/marks", data={"single": f"{chief.id}:present"}
    )
    assert response.status_code in (403, 422)
    assert "your own attendance" in response.text
    assert count(Attendance) == 0


def test_a_chief_resident_cannot_decide_their_own_claim(
    client, auth, clock, live_session, chief, coordinator
):
    session = live_session()
    db.session.commit()
    clock.set(STARTS_AT + timedelta(hours=3))
    claims.file_claim(session, chief, "Paged to the ICU at noon")
    db.session.commit()
    claim = db.session.scalars(select(AttendanceClaim)).one()
    auth.login(chief.email)
    response = client.post(f"/attendance/claims/{claim.id}", data={"decision": "approve"})
    assert response.status_code in (303, 403)
    db.session.refresh(claim)
    assert claim.status == "pending"
    assert count(Attendance) == 0
    with pytest.raises(NotAllowed):
        claims.decide_claim(claim, approve=True, actor=chief)
    # Another coordinator decides it.
    claims.decide_claim(claim, approve=True, actor=coordinator)
    assert claim.status == "approved"


def test_a_chief_resident_cannot_accept_their_own_flagged_check_in(live_session, chief):
    session = live_session()
    db.session.flush()
    with pytest.raises(NotAllowed):
        marks.clear_flag(session, chief.id, actor=chief)
