"""Remote check-in: the same rotating code, recorded as remote; whether it counts is the
program's choice per academic year, and every place that shows attendance agrees."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conferences.attendance import checkins, hybrid, rules
from conferences.attendance.evaluation import evaluate
from conferences.attendance.models import Attendance, AttendanceChange, Mode
from conferences.errors import DomainError
from conferences.extensions import db
from tests.attendance.conftest import SESSION_DAY, code_at
from tests.reports.agreement import check_everywhere

YEAR = 2026  # the academic year of SESSION_DAY


def test_remote_check_in_page_records_remote_with_an_audit_row(
    client, auth, clock, live_session, resident
):
    session = live_session()
    db.session.commit()
    auth.login(resident.email)
    page = client.get("/checkin/remote")
    assert page.status_code == 200
    assert "Check in by video" in page.text
    clock.advance(minutes=2)
    response = client.post("/checkin/remote", data={"code": code_at(session, clock())})
    assert response.status_code == 303
    done = client.get(response.headers["Location"])
    assert "by video" in done.text
    row = db.session.scalars(select(Attendance)).one()
    assert (row.mark, row.mode, row.source) == ("present", "remote", "checkin")
    change = db.session.scalars(select(AttendanceChange)).one()
    assert (change.actor_id, change.new_mark) == (resident.id, "present")


def test_remote_check_in_needs_the_current_code(client, auth, clock, live_session, resident):
    session = live_session()
    db.session.commit()
    auth.login(resident.email)
    stale = code_at(session, clock() - timedelta(minutes=30))
    response = client.post("/checkin/remote", data={"code": stale})
    assert response.status_code == 400
    assert db.session.scalars(select(Attendance)).first() is None


def test_room_check_in_stays_in_room(clock, live_session, resident):
    session = live_session()
    result = checkins.check_in_with_code(resident, code_at(session, clock()))
    assert not result.is_remote
    assert db.session.scalars(select(Attendance.mode)).one() == "room"


def test_a_remote_check_in_is_not_repeated_in_the_room(clock, live_session, resident):
    session = live_session()
    first = checkins.check_in_with_code(resident, code_at(session, clock()), remote=True)
    again = checkins.check_in_with_code(resident, code_at(session, clock()))
    assert first.created
    assert not again.created
    assert again.mode == "remote"


def _program(make_resident, make_session, clock):
    """Three residents at one held required session: in the room, remote (late), absent."""
    in_room = make_resident(pgy=1, on=SESSION_DAY, name="In Room")
    remote = make_resident(pgy=1, on=SESSION_DAY, name="By Video")
    absent = make_resident(pgy=1, on=SESSION_DAY, name="Not There")
    session = make_session(on=SESSION_DAY - timedelta(days=1))
    db.session.add_all(
        [
            Attendance(
                session_id=session.id, resident_id=in_room.id, mark="present", source="checkin"
            ),
            Attendance(
                session_id=session.id,
                resident_id=remote.id,
                mark="late",
                source="checkin",
                mode=Mode.REMOTE.value,
            ),
        ]
    )
    db.session.flush()
    return session, in_room, remote, absent


@pytest.mark.parametrize(
    ("remote_counts", "expected_status"), [(True, "attended"), (False, "missed")]
)
def test_remote_counts_as_the_year_says(
    app_ctx, clock, make_resident, make_session, remote_counts, expected_status
):
    session, in_room, remote, absent = _program(make_resident, make_session, clock)
    hybrid.set_rules(
        YEAR, remote_counts=remote_counts, recording_counts=False, recording_needs_approval=True
    )
    assert rules.resident_status(session, remote).status == expected_status
    assert rules.resident_status(session, in_room).status == "attended"
    assert rules.resident_status(session, absent).status == "missed"
    evaluation = evaluate(date(2026, 11, 1), date(2026, 11, 30))
    facts = {s.id: s for s in evaluation.sessions}[session.id]
    assert evaluation.status(facts, remote.id) == expected_status
    totals = evaluation.totals_by_resident()
    assert totals[in_room.id] == (1, 1, 0)
    assert totals[remote.id] == (1, 1 if remote_counts else 0, 0)
    assert totals[absent.id] == (1, 0, 0)
    # Every page and export agrees (rosters, reports, CSV, resident pages, digest).
    check_everywhere(date(2026, 11, 1), date(2026, 11, 30))


def test_the_setting_of_another_year_does_not_apply(app_ctx, clock, make_resident, make_session):
    session, _in_room, remote, _absent = _program(make_resident, make_session, clock)
    hybrid.set_rules(
        YEAR + 1, remote_counts=False, recording_counts=False, recording_needs_approval=True
    )
    assert rules.resident_status(session, remote).status == "attended"  # default: counts


def test_late_and_remote_together_follow_both_settings(app_ctx, clock, make_resident, make_session):
    from conferences.program.services import get_settings

    session, _in_room, remote, _absent = _program(make_resident, make_session, clock)
    get_settings().late_counts_as_attended = False
    db.session.flush()
    assert rules.resident_status(session, remote).status == "missed"


def test_window_days_out_of_range_are_refused(app_ctx):
    with pytest.raises(DomainError, match="0 to 730"):
        hybrid.set_rules(
            YEAR,
            remote_counts=True,
            recording_counts=True,
            recording_needs_approval=False,
            recording_window_days=1000,
        )
    assert db.session.get(hybrid.HybridYearRules, YEAR) is None


def test_participation_report_shows_in_room_remote_and_late_apart(
    client, auth, clock, make_user, make_resident, make_session
):
    coordinator = make_user(roles=("coordinator",))
    _session, _in_room, _remote, _absent = _program(make_resident, make_session, clock)
    hybrid.set_rules(
        YEAR, remote_counts=False, recording_counts=False, recording_needs_approval=True
    )
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get("/reports/participation?start=2026-11-01&end=2026-11-30")
    assert page.status_code == 200
    text = page.text
    assert "In room" in text
    assert "Remote" in text
    from conferences.reports.filters import Filters
    from conferences.reports.participation import participation_table

    table = participation_table(Filters(date(2026, 11, 1), date(2026, 11, 30)))
    rows = {
        row[0]: dict(zip([c.key for c in table.columns], row, strict=True)) for row in table.rows
    }
    video = rows["By Video"]
    assert (video["expected"], video["attended"], video["remote"], video["late"]) == (1, 0, 1, 1)
    assert video["in_room"] == 0
    assert video["missed"] == 1  # remote does not count this year
    room = rows["In Room"]
    assert (room["attended"], room["in_room"], room["remote"], room["late"]) == (1, 1, 0, 0)
    assert rows["Not There"]["missed"] == 1


def test_resident_page_shows_how_they_took_part(client, auth, clock, make_resident, make_session):
    _session, _in_room, remote, _absent = _program(make_resident, make_session, clock)
    remote.set_password("correct-horse-battery")
    db.session.commit()
    auth.login(remote.email)
    page = client.get("/my/attendance?start=2026-07-01&end=2027-06-30")
    assert page.status_code == 200
    assert 'data-count="remote">1 remote' in page.text
    assert 'data-count="late">1 late' in page.text


def test_admin_sets_the_year_rules_and_it_is_audited(client, auth, make_user):
    from conferences.audit.models import AuditEvent

    admin = make_user(roles=("admin",))
    db.session.commit()
    auth.login(admin.email)
    assert client.get("/settings/hybrid").status_code == 200
    response = client.post(
        "/settings/hybrid",
        data={
            "start_year": YEAR,
            "recording_counts": "y",
            "recording_needs_approval": "y",
            "recording_window_days": 90,
        },
    )
    assert response.status_code == 303
    row = hybrid.rules_for(YEAR)
    assert (row.remote_counts, row.recording_counts, row.recording_window_days) == (False, True, 90)
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "hybrid_rules.set")
    ).one()
    assert event.actor_id == admin.id
    assert event.before["remote_counts"] is True
    assert event.after["remote_counts"] is False
    bad = client.post("/settings/hybrid", data={"start_year": YEAR, "recording_window_days": 5000})
    assert bad.status_code == 400
    assert hybrid.rules_for(YEAR).recording_window_days == 90


def test_roster_shows_who_joined_by_video(
    client, auth, clock, make_user, make_resident, make_session
):
    coordinator = make_user(roles=("coordinator",))
    session, _in_room, remote, _absent = _program(make_resident, make_session, clock)
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/roster")
    assert page.status_code == 200
    assert page.text.count('data-mode="remote"') == 1
    assert "by video" in page.text
    from conferences.attendance.rosters import roster

    modes = {row.resident.id: row.mode for row in roster(session).rows}
    assert modes[remote.id] == "remote"
