"""Excusals: automatic from rotations, requested and decided, retroactive, audited, notified."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from conferences.attendance import excusals, rules
from conferences.attendance.evaluation import evaluate
from conferences.attendance.models import Attendance, Excusal
from conferences.audit.models import AuditEvent
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage

PAST = date(2026, 10, 6)  # before the test clock's "now" (2026-11-04)


def _outbox_to(user) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).where(OutboxMessage.to_email == user.email))
    )


def _audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_excusing_block_excuses_and_a_ward_block_does_not(
    clock, make_resident, make_rotation, make_block, make_session
):
    on_icu = make_resident()
    on_wards = make_resident()
    micu = make_rotation("MICU", "icu")
    wards = make_rotation("General medicine wards", "inpatient")
    make_block(on_icu, micu, date(2026, 10, 1), date(2026, 10, 28))
    make_block(on_wards, wards, date(2026, 10, 1), date(2026, 10, 28))
    during = make_session(on=PAST)
    after = make_session(on=date(2026, 10, 29))

    assert rules.excused_resident_ids(during) == {on_icu.id}
    assert rules.expected_resident_ids(during) == {on_wards.id}
    assert rules.excuses_for(during)[on_icu.id].label == "Rotation: MICU"
    assert rules.expected_resident_ids(after) == {on_icu.id, on_wards.id}
    evaluation = evaluate(date(2026, 10, 1), date(2026, 10, 31))
    assert set(evaluation.excused[during.id]) == {on_icu.id}
    assert evaluation.expected[after.id] == {on_icu.id, on_wards.id}


@pytest.fixture
def people(app_ctx, make_user, make_resident):
    coordinator = make_user(roles=("coordinator",), email="coord@example.test")
    # A chief resident: both a resident and a coordinator.
    chief = make_resident(pgy=3, roles=("resident", "coordinator"), email="chief@example.test")
    resident = make_resident(pgy=1, email="res@example.test")
    return coordinator, chief, resident


def test_request_then_approval_applies_retroactively(clock, people, make_session):
    coordinator, chief, resident = people
    held = make_session(on=PAST)
    db.session.add(
        Attendance(session_id=held.id, resident_id=resident.id, mark="absent", source="manual")
    )
    db.session.flush()
    evaluation = evaluate(PAST, PAST)
    assert evaluation.totals_by_resident()[resident.id] == (1, 0, 0)

    result = excusals.request_excusal(
        resident, actor=resident, reason="illness", note="Flu", starts_on=PAST, ends_on=PAST
    )
    assert [s.id for s in result.sessions] == [held.id]
    # Both coordinators (the chief included) hear about it; pending excuses nothing yet.
    assert _outbox_to(coordinator)
    assert _outbox_to(chief)
    assert rules.expected_resident_ids(held) == {chief.id, resident.id}

    excusals.decide_excusal(result.excusal, actor=coordinator, approve=True, comment="Get well")
    assert result.excusal.status == "approved"
    assert resident.id in rules.excused_resident_ids(held)
    assert evaluate(PAST, PAST).totals_by_resident()[resident.id] == (0, 0, 1)
    notes = _outbox_to(resident)
    assert notes
    assert "approved" in notes[-1].subject
    assert "Get well" in notes[-1].body
    assert _audit("excusal.request")
    assert _audit("excusal.approve")
    approve_event = _audit("excusal.approve")[0]
    assert approve_event.before["status"] == "pending"
    assert approve_event.after["status"] == "approved"
    assert approve_event.actor_id == coordinator.id


def test_nobody_decides_their_own_request(clock, people, make_session):
    coordinator, chief, _resident = people
    make_session(on=date(2026, 11, 10))
    result = excusals.request_excusal(
        chief,
        actor=chief,
        reason="conference_travel",
        starts_on=date(2026, 11, 10),
        ends_on=date(2026, 11, 12),
    )
    with pytest.raises(NotAllowed):
        excusals.decide_excusal(result.excusal, actor=chief, approve=True)
    with pytest.raises(NotAllowed):
        excusals.grant_excusal(
            chief,
            actor=chief,
            reason="other",
            starts_on=date(2026, 12, 1),
            ends_on=date(2026, 12, 1),
        )
    assert result.excusal.status == "pending"
    # The chief was not sent their own request to decide.
    assert not _outbox_to(chief)
    excusals.decide_excusal(result.excusal, actor=coordinator, approve=False, comment="Busy week")
    assert result.excusal.status == "denied"
    with pytest.raises(Conflict):
        excusals.decide_excusal(result.excusal, actor=coordinator, approve=True)


def test_chief_cannot_approve_own_request_through_the_page(clock, people, client, auth):
    _coordinator, chief, _resident = people
    result = excusals.request_excusal(
        chief,
        actor=chief,
        reason="family",
        starts_on=date(2026, 11, 9),
        ends_on=date(2026, 11, 9),
        confirm=True,
    )
    db.session.commit()
    auth.login("chief@example.test")
    response = client.post(
        f"/excusals/{result.excusal.id}/decide", data={"approve": "Approve", "comment": ""}
    )
    assert response.status_code in (303, 403)
    db.session.expire_all()
    assert db.session.get(Excusal, result.excusal.id).status == "pending"
    queue = client.get("/excusals")
    assert b"another coordinator must decide it" in queue.data


def test_range_without_sessions_is_allowed_once_confirmed_and_says_so(clock, people):
    _coordinator, _chief, resident = people
    values = {"reason": "other", "starts_on": date(2026, 12, 26), "ends_on": date(2026, 12, 27)}
    with pytest.raises(excusals.NeedsConfirmation) as asked:
        excusals.request_excusal(resident, actor=resident, **values)
    assert asked.value.warnings == [
        "This request would excuse nothing: none of your required sessions falls in "
        "Sat 26 Dec 2026 – Sun 27 Dec 2026."
    ]
    assert db.session.scalars(select(Excusal)).all() == []
    result = excusals.request_excusal(resident, actor=resident, confirm=True, **values)
    assert result.sessions == []
    assert "No required sessions" in result.message
    assert result.excusal.id is not None


def test_a_request_for_days_already_requested_or_excused_is_questioned(
    clock, people, make_session, client, auth
):
    coordinator, _chief, resident = people
    make_session(on=date(2026, 11, 10))
    make_session(on=date(2026, 11, 11))
    first = excusals.request_excusal(
        resident,
        actor=resident,
        reason="illness",
        starts_on=date(2026, 11, 10),
        ends_on=date(2026, 11, 10),
    )
    with pytest.raises(excusals.NeedsConfirmation) as asked:
        excusals.request_excusal(
            resident,
            actor=resident,
            reason="family",
            starts_on=date(2026, 11, 9),
            ends_on=date(2026, 11, 11),
        )
    assert asked.value.warnings == [
        "Your pending request (Illness, Tue 10 Nov 2026) already covers Tue 10 Nov 2026."
    ]
    excusals.decide_excusal(first.excusal, actor=coordinator, approve=True)
    db.session.commit()

    # Through the page: the warning, then "send it anyway".
    auth.login(resident.email)
    form = {
        "mode": "dates",
        "starts_on": "2026-11-10",
        "ends_on": "2026-11-10",
        "reason": "family",
        "note": "",
    }
    page = client.post("/excusals/request", data=form)
    assert page.status_code == 200
    assert "Your approved request (Illness, Tue 10 Nov 2026) already covers" in page.text
    assert len(db.session.scalars(select(Excusal)).all()) == 1
    sent = client.post("/excusals/request", data={**form, "confirm": "y"})
    assert sent.status_code == 303
    assert len(db.session.scalars(select(Excusal)).all()) == 2


def test_bad_requests_change_nothing(clock, people):
    coordinator, _chief, resident = people
    with pytest.raises(DomainError, match="before the first day"):
        excusals.request_excusal(
            resident, actor=resident, reason="illness", starts_on=PAST, ends_on=date(2026, 10, 1)
        )
    with pytest.raises(DomainError, match="reason"):
        excusals.request_excusal(
            resident, actor=resident, reason="boredom", starts_on=PAST, ends_on=PAST
        )
    with pytest.raises(NotAllowed):
        excusals.request_excusal(
            resident, actor=coordinator, reason="illness", starts_on=PAST, ends_on=PAST
        )
    assert db.session.scalars(select(Excusal)).all() == []
    pending = excusals.request_excusal(
        resident, actor=resident, reason="illness", starts_on=PAST, ends_on=PAST, confirm=True
    ).excusal
    with pytest.raises(DomainError, match="why"):
        excusals.decide_excusal(pending, actor=coordinator, approve=False, comment=" ")
    assert pending.status == "pending"


def test_session_specific_excusal_covers_only_those_sessions(clock, people, make_session):
    coordinator, _chief, resident = people
    morning = make_session(on=PAST, start=time(8))
    noon = make_session(on=PAST)
    result = excusals.request_excusal(
        resident, actor=resident, reason="clinical_duty", session_ids=[morning.id]
    )
    assert (result.excusal.starts_on, result.excusal.ends_on) == (PAST, PAST)
    excusals.decide_excusal(result.excusal, actor=coordinator, approve=True)
    assert resident.id in rules.excused_resident_ids(morning)
    assert resident.id not in rules.excused_resident_ids(noon)


def test_coordinator_grants_directly_and_resident_is_told(clock, people, make_session):
    coordinator, _chief, resident = people
    held = make_session(on=PAST)
    result = excusals.grant_excusal(
        resident,
        actor=coordinator,
        reason="clinical_duty",
        comment="Stayed for a code",
        starts_on=PAST,
        ends_on=PAST,
    )
    assert result.excusal.status == "approved"
    assert result.excusal.decided_by_id == coordinator.id
    assert resident.id in rules.excused_resident_ids(held)
    assert "excused" in _outbox_to(resident)[-1].subject
    assert _audit("excusal.grant")


def test_resident_requests_through_the_page_and_coordinator_approves(
    clock, people, client, auth, make_session
):
    _coordinator, _chief, resident = people
    held = make_session(on=PAST)
    db.session.commit()
    auth.login("res@example.test")
    assert client.get("/excusals").status_code == 403
    response = client.post(
        "/excusals/request",
        data={
            "mode": "dates",
            "starts_on": PAST.isoformat(),
            "ends_on": PAST.isoformat(),
            "reason": "illness",
            "note": "Fever",
        },
    )
    assert response.status_code == 303
    excusal = db.session.scalars(select(Excusal)).one()
    assert excusal.status == "pending"
    assert excusal.note == "Fever"
    page = client.get("/excusals/request")
    assert b"pending" in page.data

    auth.logout()
    auth.login("coord@example.test")
    queue = client.get("/excusals")
    assert queue.status_code == 200
    assert b"Fever" in queue.data
    response = client.post(f"/excusals/{excusal.id}/decide", data={"approve": "Approve"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Excusal, excusal.id).status == "approved"
    assert resident.id in rules.excused_resident_ids(held)
