"""Checking in: the one-tap page, the typed code, windows, lateness, idempotence, roles."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import segno
from flask import url_for
from sqlalchemy import func, select

from conferences.attendance.models import Attendance, AttendanceChange
from conferences.extensions import db
from conferences.teaching.models import TeachingSlot
from tests.attendance.conftest import STARTS_AT, code_at


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def confirm(client, session, code):
    return client.post(f"/sessions/{session.public_id}/checkin", data={"code": code})


def test_one_tap_check_in_records_present_with_an_audit_row(
    client, auth, clock, live_session, resident
):
    session = live_session()
    db.session.commit()
    auth.login(resident.email)
    code = code_at(session, clock())
    page = client.get(f"/sessions/{session.public_id}/checkin?c={code}")
    assert page.status_code == 200
    assert b">Check in</button>" in page.data

    response = confirm(client, session, code)
    assert response.status_code == 303
    done = client.get(response.headers["Location"])
    assert "You are checked in to" in done.text
    row = db.session.scalars(select(Attendance)).one()
    assert (row.resident_id, row.mark, row.source) == (resident.id, "present", "checkin")
    assert row.checked_in_at == clock()
    change = db.session.scalars(select(AttendanceChange)).one()
    assert (change.actor_id, change.old_mark, change.new_mark, change.source) == (
        resident.id,
        None,
        "present",
        "checkin",
    )


def test_second_check_in_changes_nothing(client, auth, clock, live_session, resident):
    session = live_session()
    db.session.commit()
    auth.login(resident.email)
    clock.advance(minutes=3)
    assert confirm(client, session, code_at(session, clock())).status_code == 303
    clock.advance(minutes=2)
    again = confirm(client, session, code_at(session, clock()))
    assert again.status_code == 303
    assert "Already checked in at 10:03" in client.get(again.headers["Location"]).text
    assert count(Attendance) == 1
    assert count(AttendanceChange) == 1
    assert db.session.scalars(select(Attendance)).one().checked_in_at == STARTS_AT + timedelta(
        minutes=3
    )


def test_typed_code_finds_the_open_session(client, auth, clock, live_session, resident):
    other = live_session(room="Room 2", title="Other session")
    session = live_session(title="Morning Report")
    db.session.commit()
    auth.login(resident.email)
    code = code_at(session, clock())
    typed = f" {code[:3].lower()} - {code[3:]}"
    response = client.post("/checkin", data={"code": typed})
    assert response.status_code == 303
    assert "Morning Report" in client.get(response.headers["Location"]).text
    row = db.session.scalars(select(Attendance)).one()
    assert row.session_id == session.id != other.id


def test_previous_code_accepted_older_code_expired(client, auth, clock, live_session, resident):
    session = live_session()
    db.session.commit()
    auth.login(resident.email)
    old = code_at(session, clock())
    clock.advance(minutes=2)
    response = client.post("/checkin", data={"code": old})
    assert response.status_code == 400
    assert "This code has expired — scan the one on the screen" in response.text
    response = confirm(client, session, old)
    assert response.status_code == 400
    assert "This code has expired" in response.text
    assert count(Attendance) == 0
    assert count(AttendanceChange) == 0

    previous = code_at(session, clock() - timedelta(seconds=60))
    assert confirm(client, session, previous).status_code == 303
    assert count(Attendance) == 1


def test_another_sessions_code_is_rejected(client, auth, clock, live_session, resident):
    session = live_session()
    other = live_session(title="Elsewhere")
    db.session.commit()
    auth.login(resident.email)
    response = confirm(client, session, code_at(other, clock()))
    assert response.status_code == 400
    assert "This code is not for this session" in response.text
    assert count(Attendance) == 0


def test_malformed_and_unknown_codes(client, auth, clock, live_session, resident):
    live_session()
    db.session.commit()
    auth.login(resident.email)
    bad = client.post("/checkin", data={"code": "0O1IL!"})
    assert bad.status_code == 400
    assert "6 letters and digits" in bad.text
    unknown = client.post("/checkin", data={"code": "ZZZZZZ"})
    assert unknown.status_code == 400
    assert "does not match any session open for check-in" in unknown.text
    assert count(Attendance) == 0


def test_window_opens_and_closes_on_time(client, auth, clock, live_session, resident):
    session = live_session()
    db.session.commit()
    auth.login(resident.email)
    clock.set(STARTS_AT - timedelta(minutes=15, seconds=1))
    early = confirm(client, session, code_at(session, clock()))
    assert early.status_code == 400
    assert "opens at 09:45" in early.text
    clock.set(STARTS_AT + timedelta(minutes=45, seconds=1))
    late = client.post("/checkin", data={"code": code_at(session, clock())})
    assert late.status_code == 400
    assert "closed at 10:45" in late.text
    assert count(Attendance) == 0
    clock.set(STARTS_AT - timedelta(minutes=15))
    assert confirm(client, session, code_at(session, clock())).status_code == 303
    assert count(Attendance) == 1


def test_late_at_the_grace_boundary(client, auth, clock, live_session, make_resident):
    session = live_session()
    on_time, late = make_resident(), make_resident()
    db.session.commit()

    clock.set(STARTS_AT + timedelta(minutes=10))
    auth.login(on_time.email)
    confirm(client, session, code_at(session, clock()))
    auth.logout()

    clock.set(STARTS_AT + timedelta(minutes=10, seconds=1))
    auth.login(late.email)
    response = confirm(client, session, code_at(session, clock()))
    assert "(late)" in client.get(response.headers["Location"]).text

    marks = dict(db.session.execute(select(Attendance.resident_id, Attendance.mark)).all())
    assert marks == {on_time.id: "present", late.id: "late"}


def test_series_and_session_override_the_window(
    client, auth, clock, live_session, make_series, resident
):
    series = make_series(checkin_grace_minutes=0, checkin_closes_minutes=5)
    strict = live_session(series_id=series.id)
    relaxed = live_session(series_id=series.id, checkin_closes_minutes=90)
    db.session.commit()
    auth.login(resident.email)
    clock.set(STARTS_AT + timedelta(minutes=6))
    assert "closed at 10:05" in confirm(client, strict, code_at(strict, clock())).text
    assert confirm(client, relaxed, code_at(relaxed, clock())).status_code == 303
    assert db.session.scalars(select(Attendance.mark)).one() == "late"


def test_cancelled_session_gets_a_clear_message(client, auth, clock, live_session, resident):
    session = live_session(status="cancelled")
    db.session.commit()
    auth.login(resident.email)
    response = client.post("/checkin", data={"code": code_at(session, clock())})
    assert response.status_code == 400
    assert "was cancelled, so there is no check-in" in response.text
    assert count(Attendance) == 0


def test_missing_csrf_token_is_refused(client, auth, clock, live_session, resident, csrf_enabled):
    session = live_session()
    db.session.commit()
    client.get("/login")
    login_page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post(
        "/login",
        data={"email": resident.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    response = confirm(client, session, code_at(session, clock()))
    assert response.status_code == 400
    response = client.post(
        "/checkin", data={"code": code_at(session, clock()), "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert count(Attendance) == 0


def test_anonymous_scan_goes_through_login_and_back(client, clock, live_session, resident):
    session = live_session()
    db.session.commit()
    code = code_at(session, clock())
    response = client.get(f"/sessions/{session.public_id}/checkin?c={code}")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    next_url = parse_qs(urlsplit(login_url).query)["next"][0]
    assert next_url == f"/sessions/{session.public_id}/checkin?c={code}"
    signed_in = client.post(
        login_url, data={"email": resident.email, "password": "correct-horse-battery"}
    )
    assert signed_in.headers["Location"] == next_url
    assert b">Check in</button>" in client.get(next_url).data


def test_only_residents_check_in(client, auth, clock, live_session, coordinator):
    session = live_session()
    db.session.commit()
    auth.login(coordinator.email)
    assert client.post("/checkin", data={"code": code_at(session, clock())}).status_code == 403
    assert confirm(client, session, code_at(session, clock())).status_code == 403
    assert count(Attendance) == 0


def test_one_device_checking_in_two_people_flags_both(
    client, auth, clock, live_session, make_resident
):
    session = live_session()
    first, second, honest = make_resident(), make_resident(), make_resident()
    db.session.commit()
    for person in (first, second):
        auth.login(person.email)
        confirm(client, session, code_at(session, clock()))
        auth.logout()
    # A different browser (no shared device cookie) is not flagged.
    other_browser = client.application.test_client()
    other_browser.post("/login", data={"email": honest.email, "password": "correct-horse-battery"})
    other_browser.post(
        f"/sessions/{session.public_id}/checkin", data={"code": code_at(session, clock())}
    )
    flags = dict(db.session.execute(select(Attendance.resident_id, Attendance.flagged)).all())
    assert flags == {first.id: True, second.id: True, honest.id: False}
    cookie = client.get_cookie("checkin_device")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_display_shows_code_count_and_qr(client, auth, clock, live_session, coordinator):
    session = live_session()
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/checkin/display")
    assert page.status_code == 200
    code = code_at(session, clock())
    assert 'id="checkin-code"' in page.text
    assert f">{code}</div>" in page.text
    assert re.search(r'id="checkin-count"[^>]*>0<', page.text)
    assert "<svg" in page.text
    assert "<script>" not in page.text
    assert 'data-seconds="60"' in page.text
    live = client.get(f"/sessions/{session.public_id}/checkin/display/live")
    assert live.status_code == 200
    assert code in live.text
    clock.advance(seconds=61)
    later = client.get(f"/sessions/{session.public_id}/checkin/display/live")
    assert code not in later.text
    assert code_at(session, clock()) in later.text


def test_display_names_the_public_address_not_the_one_the_projector_used(
    app, client, auth, clock, live_session, coordinator, monkeypatch
):
    """Behind a proxy the request may arrive as http://10.0.0.5:8000; phones must get BASE_URL."""
    public = "https://conferences.example.org"
    monkeypatch.setitem(app.config, "BASE_URL", public + "/")
    session = live_session()
    db.session.commit()
    auth.login(coordinator.email)
    inside = {"HTTP_HOST": "10.0.0.5:8000", "wsgi.url_scheme": "http"}
    page = client.get(f"/sessions/{session.public_id}/checkin/display", environ_overrides=inside)
    assert page.status_code == 200
    assert f'<strong class="text-break">{public}/checkin</strong>' in page.text
    assert "10.0.0.5" not in page.text
    with app.test_request_context():
        code = code_at(session, clock())
        path = url_for("attendance.confirm_checkin", public_id=session.public_id, c=code)
    expected_qr = segno.make(public + path, error="m").svg_inline(
        scale=1, border=2, omitsize=True, svgclass="checkin-qr", title="Check-in QR code"
    )
    assert expected_qr in page.text  # the QR code shown encodes exactly the public address


def test_presenter_opens_own_display_but_not_anothers(client, auth, live_session, make_user):
    mine, theirs = live_session(), live_session()
    presenter = make_user(roles=("faculty",))
    db.session.add(TeachingSlot(session_id=mine.id, role="lecturer", holder_id=presenter.id))
    db.session.commit()
    auth.login(presenter.email)
    assert client.get(f"/sessions/{mine.public_id}/checkin/display").status_code == 200
    assert client.get(f"/sessions/{mine.public_id}/roster").status_code == 200
    assert client.get(f"/sessions/{theirs.public_id}/checkin/display").status_code == 403
    assert client.get(f"/sessions/{theirs.public_id}/checkin/display/live").status_code == 403
    assert client.get(f"/sessions/{theirs.public_id}/roster").status_code == 403


def test_resident_cannot_open_display_or_mark_anyone(
    client, auth, clock, live_session, resident, make_resident
):
    session = live_session()
    someone = make_resident()
    db.session.commit()
    auth.login(resident.email)
    assert client.get(f"/sessions/{session.public_id}/checkin/display").status_code == 403
    response = client.post(
        f"/sessions/{session.public_id}/roster/marks",
        data={"single": f"{someone.id}:present"},
    )
    assert response.status_code == 403
    assert count(Attendance) == 0
    assert count(AttendanceChange) == 0


def test_unknown_session_is_404(client, auth, resident):
    db.session.commit()
    auth.login(resident.email)
    assert client.get("/sessions/no-such-session/checkin?c=ABCDEF").status_code == 404


def test_resident_outside_the_audience_checks_in_as_a_visitor(
    client, auth, clock, live_session, make_resident
):
    session = live_session(audience={"pgy": [3]})
    intern = make_resident(pgy=1)
    db.session.commit()
    auth.login(intern.email)
    response = confirm(client, session, code_at(session, clock()))
    assert "as a visitor" in client.get(response.headers["Location"]).text
    assert db.session.scalars(select(Attendance.mark)).one() == "present"


def test_a_scanned_code_after_the_window_offers_the_claim(
    client, auth, clock, live_session, resident
):
    session = live_session()
    db.session.commit()
    clock.set(STARTS_AT + timedelta(minutes=50))  # closes 45 minutes after the start
    auth.login(resident.email)
    page = client.get(f"/sessions/{session.public_id}/checkin?c={code_at(session, clock())}")
    assert "closed at" in page.text
    assert f'href="/sessions/{session.public_id}">I was there' in page.text
    assert db.session.scalars(select(Attendance)).first() is None


def test_projector_screen_names_its_icon(client, auth, live_session, coordinator):
    session = live_session()
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/checkin/display")
    # Without it the browser asks for /favicon.ico, a 404 in the projector's console.
    assert 'rel="icon" href="/static/favicon.svg"' in page.text
