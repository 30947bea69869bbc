"""Regressions found walking journey 2 in a browser."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conferences.attendance.models import Attendance
from conferences.extensions import db
from conferences.teaching.models import Feedback, TeachingSlot

FUTURE = date(2026, 11, 30)
PAST = date(2026, 11, 2)


@pytest.fixture
def world(clock, make_user, make_series, make_session, make_slot):
    people = {
        role: make_user(roles=(role,), email=f"{role}@example.test", name=role.title())
        for role in ("faculty", "coordinator")
    }
    series = make_series()
    future = make_session(on=FUTURE, series_id=series.id)
    past = make_session(on=PAST, series_id=series.id)
    slot = make_slot(session=future)
    db.session.commit()
    return {"people": people, "future": future, "past": past, "slot": slot}


def test_assign_needs_an_explicit_choice(client, auth, world):
    slot = world["slot"]
    auth.login("coordinator@example.test")
    page = client.get(f"/teaching/slots/{slot.id}/assign").text
    assert "— choose a person —" in page
    response = client.post(f"/teaching/slots/{slot.id}/assign", data={"user_id": "0"})
    assert response.status_code == 200
    assert "Choose who should hold the slot." in response.text
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id is None
    faculty = world["people"]["faculty"]
    response = client.post(f"/teaching/slots/{slot.id}/assign", data={"user_id": faculty.id})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id == faculty.id


def test_needs_teacher_says_when_weeks_ahead_is_out_of_range(client, auth, world):
    auth.login("coordinator@example.test")
    page = client.get("/teaching/needs-teacher?weeks=0").text
    assert "Number must be between 1 and 52." in page
    assert "Showing the next 4 weeks instead." in page
    assert "Open slots in the next 4 weeks" in page


def test_open_slots_do_not_promise_a_release_date_already_gone(clock, client, auth, world):
    auth.login("faculty@example.test")
    page = client.get("/teaching/open").text  # clock 2026-11-04: the 30 Nov cut-off is ahead
    assert "release until Mon 23 Nov 2026" in page
    assert "past the release cut-off" not in page
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    page = client.get("/teaching/open").text
    assert "release until" not in page
    assert "past the release cut-off" in page


def test_opening_the_feedback_link_again_goes_back_to_the_session(
    client, auth, make_resident, world
):
    past = world["past"]
    resident = make_resident(pgy=1, email="res@example.test")
    db.session.add(
        Attendance(session_id=past.id, resident_id=resident.id, mark="present", source="checkin")
    )
    db.session.commit()
    auth.login("res@example.test")
    url = f"/teaching/sessions/{past.public_id}/feedback"
    assert client.post(url, data={"rating": "5"}).status_code == 303
    again = client.get(url)
    assert again.status_code == 303
    assert again.headers["Location"].endswith(f"/sessions/{past.public_id}")
    followed = client.get(again.headers["Location"])
    assert "You already rated this session." in followed.text
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(Feedback)) == 1
