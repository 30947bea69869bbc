""" ""I attended" claims: filed by residents, decided by coordinators, audited, notified."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template_string
from sqlalchemy import select

from conferences.attendance.models import Attendance, AttendanceChange, AttendanceClaim
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from tests.attendance.conftest import STARTS_AT


def file(client, session, note="Phone died"):
    return client.post(f"/sessions/{session.public_id}/claim", data={"note": note})


def test_claim_needs_a_note_and_the_window(client, auth, clock, live_session, resident):
    session = live_session()
    db.session.commit()
    auth.login(resident.email)
    clock.set(STARTS_AT - timedelta(minutes=1))
    file(client, session)
    clock.set(STARTS_AT + timedelta(days=7, hours=2))
    page = client.get(f"/sessions/{session.public_id}/claim")
    assert "up to 7 days after the session" in page.text
    file(client, session)
    clock.set(STARTS_AT + timedelta(hours=2))
    file(client, session, note="   ")
    assert db.session.scalars(select(AttendanceClaim)).first() is None
    assert file(client, session).status_code == 303
    claim = db.session.scalars(select(AttendanceClaim)).one()
    assert (claim.resident_id, claim.status, claim.note) == (resident.id, "pending", "Phone died")
    page = client.get(f"/sessions/{session.public_id}/claim")
    assert "waiting" in page.text or "pending" in page.text


def test_approved_claim_counts_as_present_and_is_audited(
    client, auth, clock, live_session, resident, coordinator
):
    session = live_session()
    db.session.commit()
    clock.set(STARTS_AT + timedelta(hours=3))
    auth.login(resident.email)
    file(client, session)
    auth.logout()
    claim = db.session.scalars(select(AttendanceClaim)).one()

    auth.login(coordinator.email)
    queue = client.get("/attendance/claims")
    assert "Phone died" in queue.text
    response = client.post(f"/attendance/claims/{claim.id}", data={"decision": "approve"})
    assert response.status_code == 303
    db.session.refresh(claim)
    assert (claim.status, claim.decided_by_id) == ("approved", coordinator.id)
    row = db.session.scalars(select(Attendance)).one()
    assert (row.resident_id, row.mark, row.source) == (resident.id, "present", "claim")
    change = db.session.scalars(select(AttendanceChange)).one()
    assert (change.actor_id, change.new_mark, change.source) == (coordinator.id, "present", "claim")
    assert "Phone died" in change.reason
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.to_email == resident.email
    assert "approved" in message.subject
    # Deciding twice does nothing.
    client.post(f"/attendance/claims/{claim.id}", data={"decision": "deny", "comment": "x"})
    db.session.refresh(claim)
    assert claim.status == "approved"


def test_denial_needs_a_comment(client, auth, clock, live_session, resident, coordinator):
    session = live_session()
    db.session.commit()
    clock.set(STARTS_AT + timedelta(hours=3))
    auth.login(resident.email)
    file(client, session)
    auth.logout()
    claim = db.session.scalars(select(AttendanceClaim)).one()
    auth.login(coordinator.email)
    client.post(f"/attendance/claims/{claim.id}", data={"decision": "deny"})
    db.session.refresh(claim)
    assert claim.status == "pending"
    client.post(
        f"/attendance/claims/{claim.id}",
        data={"decision": "deny", "comment": "Not on the paper sheet"},
    )
    db.session.refresh(claim)
    assert (claim.status, claim.decision_comment) == ("denied", "Not on the paper sheet")
    assert db.session.scalars(select(Attendance)).first() is None
    assert "denied" in db.session.scalars(select(OutboxMessage.subject)).one()


def test_residents_cannot_decide_claims(client, auth, clock, live_session, resident):
    session = live_session()
    db.session.add(AttendanceClaim(session_id=session.id, resident_id=resident.id, note="x"))
    db.session.commit()
    claim = db.session.scalars(select(AttendanceClaim)).one()
    auth.login(resident.email)
    assert client.get("/attendance/claims").status_code == 403
    assert (
        client.post(f"/attendance/claims/{claim.id}", data={"decision": "approve"}).status_code
        == 403
    )
    assert db.session.scalars(select(Attendance)).first() is None


def test_session_panel_offers_the_claim_and_the_screen(
    app, clock, live_session, resident, coordinator
):
    session = live_session()
    db.session.commit()
    clock.set(STARTS_AT + timedelta(hours=2))
    template = '{% include "attendance/_session_panel.html" %}'
    with app.test_request_context():
        from flask_login import login_user

        login_user(resident)
        html = render_template_string(template, session=session)
        assert 'Send "I attended"' in html
        assert "Open check-in screen" not in html
    with app.test_request_context():
        from flask_login import login_user

        login_user(coordinator)
        html = render_template_string(template, session=session)
        assert "Open check-in screen" in html
        assert 'Send "I attended"' not in html
