"""The projector shows no code outside the check-in window, and a refused page says why
and what to do instead of a bare "403 Not allowed"."""

from __future__ import annotations

from datetime import timedelta

from conferences.attendance import checkin as codes
from conferences.extensions import db
from tests.attendance.conftest import STARTS_AT, code_at


def _codes_around(session, at) -> set[str]:
    step = codes.time_step(at)
    return {codes.code_for(session.checkin_secret, s) for s in range(step - 2, step + 3)}


def test_display_before_the_window_shows_when_it_opens_and_no_code(
    client, auth, clock, live_session, coordinator
):
    session = live_session()
    db.session.commit()
    clock.set(STARTS_AT - timedelta(minutes=40))  # opens 15 minutes before the start
    auth.login(coordinator.email)
    for path in ("checkin/display", "checkin/display/live"):
        page = client.get(f"/sessions/{session.public_id}/{path}")
        assert page.status_code == 200
        assert "Check-in opens at 09:45" in page.text
        assert 'id="checkin-code"' not in page.text
        assert "checkin-qr" not in page.text
        assert not any(code in page.text for code in _codes_around(session, clock()))


def test_display_after_the_window_says_closed_and_shows_no_code(
    client, auth, clock, live_session, coordinator
):
    session = live_session()
    db.session.commit()
    clock.set(STARTS_AT + timedelta(minutes=50))  # closed 45 minutes after the start
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/checkin/display/live")
    assert "Check-in closed at 10:45" in page.text
    assert "checkin-qr" not in page.text
    assert not any(code in page.text for code in _codes_around(session, clock()))


def test_display_shows_the_code_once_the_window_opens(
    client, auth, clock, live_session, coordinator
):
    session = live_session()
    db.session.commit()
    clock.set(STARTS_AT - timedelta(minutes=16))
    auth.login(coordinator.email)
    assert "checkin-qr" not in client.get(f"/sessions/{session.public_id}/checkin/display").text
    clock.advance(minutes=2)
    live = client.get(f"/sessions/{session.public_id}/checkin/display/live")
    assert code_at(session, clock()) in live.text
    assert "checkin-qr" in live.text


def test_faculty_scanning_the_code_get_a_plain_explanation(
    client, auth, clock, live_session, make_user
):
    session = live_session()
    teacher = make_user(roles=("faculty",))
    db.session.commit()
    auth.login(teacher.email)
    page = client.get(f"/sessions/{session.public_id}/checkin?c={code_at(session, clock())}")
    assert page.status_code == 403
    assert "your account is not a resident&#39;s, so there is nothing to record" in page.text
    assert "Not allowed" not in page.text
    assert "does not have access" not in page.text


def test_every_refusal_says_why(client, auth, make_user, make_resident):
    teacher = make_user(roles=("faculty",))
    db.session.commit()
    auth.login(teacher.email)
    reports = client.get("/reports")
    assert reports.status_code == 403
    assert "Attendance reports are for the program" in reports.text
    mine = client.get("/my/attendance")
    assert mine.status_code == 403
    assert "your account is not a resident" in mine.text
    assert client.get("/my-schedule").status_code == 403


def test_a_refusal_asked_for_as_json_carries_the_reason(client, auth, make_user):
    teacher = make_user(roles=("faculty",))
    db.session.commit()
    auth.login(teacher.email)
    answer = client.get("/reports", headers={"Accept": "application/json"})
    assert answer.status_code == 403
    assert "Attendance reports are for the program" in answer.json["message"]
