"""The roster: statuses, counts, search, manual marks and the audit trail."""

from __future__ import annotations

import gzip
from datetime import date, timedelta

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import checkins, marks, rosters, rules
from conferences.attendance.models import Attendance, AttendanceChange
from conferences.extensions import db
from tests.attendance.conftest import SESSION_DAY, STARTS_AT, code_at


def test_roster_statuses_and_counts(
    app_ctx, clock, live_session, make_resident, coordinator, monkeypatch
):
    session = live_session(audience={"pgy": [1]})
    on_time, late, absent, excused = (make_resident(pgy=1, on=SESSION_DAY) for _ in range(4))
    visitor = make_resident(pgy=2, on=SESSION_DAY)
    make_resident(pgy=3, on=SESSION_DAY)  # not expected, not there: not listed
    monkeypatch.setattr(rules, "excuses_for", lambda s: {excused.id: rules.MARK_EXCUSE})
    checkins.record_checkin(session, on_time, at=STARTS_AT)
    checkins.record_checkin(session, late, at=STARTS_AT + timedelta(minutes=11))
    result = checkins.record_checkin(session, visitor, at=STARTS_AT)
    assert result.visitor

    roster = rosters.roster(session)
    statuses = {row.resident.id: row.status for row in roster.rows}
    assert statuses == {
        on_time.id: "present",
        late.id: "late",
        absent.id: "absent",
        excused.id: "excused",
        visitor.id: "visitor",
    }
    assert roster.expected_count == 3
    assert (roster.counts["present"], roster.counts["visitor"], roster.counts["excused"]) == (
        1,
        1,
        1,
    )
    assert [r.resident.id for r in roster.filtered("absent")] == [absent.id]
    assert [r.resident.id for r in roster.filtered(search=visitor.name.upper())] == [visitor.id]


def test_roster_page_counts_search_and_history(
    client, auth, clock, live_session, make_resident, coordinator
):
    session = live_session()
    alice = make_resident(name="Alice Able")
    bob = make_resident(name="Bob Baker")
    checkins.record_checkin(session, alice, at=STARTS_AT)
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/roster")
    assert page.status_code == 200
    assert 'data-count="counted">2<' in page.text
    assert 'data-count="present">1<' in page.text
    assert 'data-count="absent">1<' in page.text
    # The audit trail shows the check-in.
    assert "— &rarr; Present</td>\n      <td>checkin</td>" in page.text
    filtered = client.get(f"/sessions/{session.public_id}/roster?q=bob")
    assert f'data-resident-id="{bob.id}"' in filtered.text
    assert f'data-resident-id="{alice.id}"' not in filtered.text
    by_status = client.get(f"/sessions/{session.public_id}/roster?status=present")
    assert f'data-resident-id="{alice.id}"' in by_status.text
    assert f'data-resident-id="{bob.id}"' not in by_status.text


def test_manual_single_and_bulk_marks_are_audited(
    client, auth, clock, live_session, make_resident, coordinator
):
    session = live_session()
    a, b, c = make_resident(), make_resident(), make_resident()
    db.session.commit()
    auth.login(coordinator.email)
    url = f"/sessions/{session.public_id}/roster/marks"
    response = client.post(url, data={"single": f"{a.id}:present", "reason": "Paper sheet"})
    assert response.status_code == 303
    client.post(url, data={"resident_ids": [b.id, c.id], "mark": "excused", "reason": "Retreat"})
    clock.advance(minutes=5)
    client.post(url, data={"single": f"{a.id}:absent", "reason": "Left after five minutes"})
    # Marking again with the same value changes nothing and adds no audit row.
    client.post(url, data={"resident_ids": [b.id], "mark": "excused"})

    marks = dict(db.session.execute(select(Attendance.resident_id, Attendance.mark)).all())
    assert marks == {a.id: "absent", b.id: "excused", c.id: "excused"}
    changes = db.session.execute(
        select(
            AttendanceChange.resident_id,
            AttendanceChange.actor_id,
            AttendanceChange.old_mark,
            AttendanceChange.new_mark,
            AttendanceChange.source,
            AttendanceChange.reason,
        ).order_by(AttendanceChange.id)
    ).all()
    assert changes == [
        (a.id, coordinator.id, None, "present", "manual", "Paper sheet"),
        (b.id, coordinator.id, None, "excused", "manual", "Retreat"),
        (c.id, coordinator.id, None, "excused", "manual", "Retreat"),
        (a.id, coordinator.id, "present", "absent", "manual", "Left after five minutes"),
    ]


def test_manual_present_then_check_in_reports_already_marked(
    client, auth, clock, live_session, resident, coordinator
):
    session = live_session()
    marks.set_marks(session, [resident.id], "present", actor=coordinator)
    db.session.commit()
    auth.login(resident.email)
    response = client.post(
        f"/sessions/{session.public_id}/checkin", data={"code": code_at(session, clock())}
    )
    assert "Already marked present" in client.get(response.headers["Location"]).text
    assert len(db.session.scalars(select(AttendanceChange)).all()) == 1


def test_a_manual_mark_stands_and_a_later_check_in_waits_for_the_coordinator(
    client, auth, clock, live_session, resident, coordinator
):
    session = live_session()
    marks.set_marks(session, [resident.id], "absent", actor=coordinator)
    at = clock() + timedelta(minutes=11)
    clock.set(at)
    result = checkins.check_in(session, resident, code_at(session, at))
    assert result.is_request
    assert not result.created
    assert result.request_mark == "late"
    # The coordinator's mark stands; the check-in is kept on it as a request, audited.
    row = db.session.scalars(select(Attendance)).one()
    assert (row.mark, row.request_mark, row.requested_at) == ("absent", "late", at)
    last = db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id.desc())).first()
    assert (last.old_mark, last.new_mark, last.source) == ("absent", "absent", "checkin")
    assert "after being marked absent" in last.reason
    assert rules.resident_status(session, resident).status == rules.Status.MISSED
    # A second check-in changes nothing more.
    again = checkins.check_in(session, resident, code_at(session, at))
    assert again.is_request
    assert not again.created
    db.session.commit()

    # The roster flags it, with the time, for the coordinator to decide.
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/roster?status=requests")
    when = timeutil.format_local(at, "%H:%M")
    assert f"Checked in at {when} (late) after being marked absent" in page.text
    assert 'data-count="requests">1<' in page.text
    response = client.post(
        f"/sessions/{session.public_id}/roster/requests/{resident.id}",
        data={"decision": "accept"},
    )
    assert response.status_code == 303
    row = db.session.scalars(select(Attendance)).one()
    db.session.refresh(row)
    assert (row.mark, row.request_mark, row.checked_in_at) == ("late", None, at)
    last = db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id.desc())).first()
    assert (last.old_mark, last.new_mark, last.actor_id) == ("absent", "late", coordinator.id)
    assert last.reason.startswith("Check-in accepted")


def test_a_dismissed_check_in_request_leaves_the_mark(
    app_ctx, clock, live_session, resident, coordinator
):
    session = live_session()
    marks.set_marks(session, [resident.id], "excused", actor=coordinator)
    checkins.check_in(session, resident, code_at(session, clock()))
    checkins.decide_checkin_request(session, resident.id, accept=False, actor=coordinator)
    row = db.session.scalars(select(Attendance)).one()
    assert (row.mark, row.request_mark) == ("excused", None)
    last = db.session.scalars(select(AttendanceChange).order_by(AttendanceChange.id.desc())).first()
    assert last.reason.startswith("Check-in dismissed")
    import pytest

    from conferences.errors import Conflict

    with pytest.raises(Conflict):
        checkins.decide_checkin_request(session, resident.id, accept=True, actor=coordinator)


def test_only_residents_can_be_marked(app_ctx, live_session, coordinator, make_user):
    import pytest

    from conferences.errors import DomainError

    session = live_session()
    faculty = make_user(roles=("faculty",))
    with pytest.raises(DomainError):
        marks.set_marks(session, [faculty.id], "present", actor=coordinator)
    with pytest.raises(DomainError):
        marks.set_marks(session, [], "present", actor=coordinator)
    assert db.session.scalars(select(Attendance)).first() is None


def test_presenter_sees_roster_but_cannot_mark(client, auth, live_session, make_user, resident):
    from conferences.teaching.models import TeachingSlot

    session = live_session()
    presenter = make_user(roles=("faculty",))
    db.session.add(TeachingSlot(session_id=session.id, role="lecturer", holder_id=presenter.id))
    db.session.commit()
    auth.login(presenter.email)
    page = client.get(f"/sessions/{session.public_id}/roster")
    assert page.status_code == 200
    assert "Apply to selected" not in page.text
    response = client.post(
        f"/sessions/{session.public_id}/roster/marks", data={"single": f"{resident.id}:present"}
    )
    assert response.status_code == 403
    assert db.session.scalars(select(Attendance)).first() is None


def test_flag_review_clears_the_flag_with_an_audit_row(
    client, auth, clock, live_session, make_resident, coordinator
):
    session = live_session()
    a, b = make_resident(), make_resident()
    checkins.record_checkin(session, a, device_id="shared-phone-0001", at=STARTS_AT)
    checkins.record_checkin(session, b, device_id="shared-phone-0001", at=STARTS_AT)
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/roster?status=flagged")
    assert 'data-count="flagged">2<' in page.text
    client.post(f"/sessions/{session.public_id}/roster/flags/{a.id}", data={"reason": "Checked"})
    flags = dict(db.session.execute(select(Attendance.resident_id, Attendance.flagged)).all())
    assert flags == {a.id: False, b.id: True}
    assert db.session.scalars(
        select(AttendanceChange.reason).where(AttendanceChange.actor_id == coordinator.id)
    ).one() == ("Flag reviewed: Checked")


def test_resident_history_page_permissions(
    client, auth, clock, live_session, resident, make_resident, coordinator
):
    session = live_session(title="Grand Rounds")
    other = make_resident()
    marks.set_marks(session, [resident.id], "late", actor=coordinator, reason="Sign-in sheet")
    db.session.commit()
    auth.login(resident.email)
    own = client.get(f"/attendance/residents/{resident.id}")
    assert own.status_code == 200
    assert "Grand Rounds" in own.text
    assert "Sign-in sheet" in own.text
    assert "Cora Coordinator" in own.text
    assert client.get(f"/attendance/residents/{other.id}").status_code == 403
    auth.logout()
    auth.login(coordinator.email)
    assert client.get(f"/attendance/residents/{resident.id}").status_code == 200


def test_marks_for_resident_by_local_dates(app_ctx, live_session, make_session, resident):
    first = live_session()
    next_day = make_session(on=date(2026, 11, 5))
    make_session(on=date(2026, 11, 9))
    checkins.record_checkin(first, resident, at=STARTS_AT)
    checkins.record_checkin(next_day, resident, at=next_day.starts_at)
    marks = rosters.marks_for_resident(resident.id, date(2026, 11, 4), date(2026, 11, 5))
    assert [m.session_id for m in marks] == [first.id, next_day.id]
    assert rosters.marks_for_resident(resident.id, date(2026, 11, 5), date(2026, 11, 5))[
        0
    ].session_id == (next_day.id)


def test_roster_says_why_a_resident_is_excused_and_is_light_on_a_phone(
    client, auth, clock, live_session, make_resident, coordinator, make_rotation, make_block
):
    session = live_session()
    on_icu = make_resident(name="Ian Icu")
    make_block(on_icu, make_rotation("MICU", "icu"), SESSION_DAY, SESSION_DAY + timedelta(days=27))
    for _ in range(40):
        make_resident()
    db.session.commit()
    auth.login(coordinator.email)
    url = f"/sessions/{session.public_id}/roster"
    page = client.get(url)
    assert page.status_code == 200
    row = page.text.split(f'data-resident-id="{on_icu.id}"')[1].split("</tr>")[0]
    assert "excused" in row
    assert "Rotation: MICU" in row
    # Each row's buttons are named once by their group, not four times.
    assert f'role="group" aria-label="Mark {on_icu.name}"' in row
    # A browser that accepts gzip gets the same page compressed.
    zipped = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.data) * 5 < len(page.data)
    assert gzip.decompress(zipped.data).decode().count("data-resident-id=") == page.text.count(
        "data-resident-id="
    )


def test_refused_marks_come_back_as_typed_and_write_nothing(
    client, auth, live_session, make_resident, make_user, coordinator
):
    session = live_session()
    a = make_resident()
    faculty = make_user(roles=("faculty",))
    db.session.commit()
    auth.login(coordinator.email)
    url = f"/sessions/{session.public_id}/roster/marks"

    # Nobody ticked: the reason typed is still there.
    response = client.post(url, data={"mark": "excused", "reason": "Away at the retreat"})
    assert response.status_code == 422
    assert "Select at least one resident." in response.text
    assert 'value="Away at the retreat"' in response.text
    assert '<option selected value="excused">' in response.text

    # A ticked resident next to someone who cannot be marked: the ticks stay.
    response = client.post(
        url, data={"resident_ids": [a.id, faculty.id], "mark": "present", "reason": "Sheet"}
    )
    assert response.status_code == 422
    assert "Only residents can be marked." in response.text
    assert f'value="{a.id}" aria-label="Select {a.name}" checked' in response.text

    # Too long a reason fails validation, with the field's label in the message.
    response = client.post(
        url, data={"resident_ids": [a.id], "mark": "present", "reason": "x" * 501}
    )
    assert response.status_code == 422
    assert "Reason (optional):" in response.text
    assert db.session.scalars(select(Attendance)).first() is None
    assert db.session.scalars(select(AttendanceChange)).first() is None
