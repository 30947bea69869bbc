"""Recordings and asynchronous credit: the coordinator adds a link to a past session, an
expected resident who missed it claims "I watched the recording" within the year's window;
approval and counting follow the year's rules; every step is audited."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conferences.attendance import hybrid, recordings, rules
from conferences.attendance.evaluation import evaluate
from conferences.attendance.models import Attendance, AttendanceChange
from conferences.audit.models import AuditEvent
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from tests.attendance.conftest import SESSION_DAY
from tests.reports.agreement import check_everywhere

YEAR = 2026
LINK = "https://video.example.com/recordings/abc"


def _setup(make_user, make_resident, make_session, **rules_kw):
    coordinator = make_user(roles=("coordinator",), name="Cora")
    watcher = make_resident(pgy=1, on=SESSION_DAY, name="Watcher")
    present = make_resident(pgy=1, on=SESSION_DAY, name="Present")
    session = make_session(on=SESSION_DAY - timedelta(days=2))
    db.session.add(
        Attendance(session_id=session.id, resident_id=present.id, mark="present", source="checkin")
    )
    values = {"remote_counts": True, "recording_counts": True, "recording_needs_approval": True}
    values.update(rules_kw)
    hybrid.set_rules(YEAR, **values)
    recordings.set_recording(session, LINK, coordinator)
    db.session.flush()
    return coordinator, watcher, present, session


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_recording_link_is_for_ended_sessions_and_https_only(
    app_ctx, clock, make_user, make_session
):
    coordinator = make_user(roles=("coordinator",))
    later = make_session(on=SESSION_DAY + timedelta(days=1))
    with pytest.raises(Conflict, match="once the session has ended"):
        recordings.set_recording(later, LINK, coordinator)
    past = make_session(on=SESSION_DAY - timedelta(days=1))
    with pytest.raises(DomainError, match="https://"):
        recordings.set_recording(past, "http://video.example.com/x", coordinator)
    assert recordings.recording_of(past) is None
    recordings.set_recording(past, LINK, coordinator)
    assert recordings.recording_of(past).url == LINK
    assert _actions() == ["recording.set"]


def test_claim_with_approval_counts_once_approved(
    app_ctx, clock, make_user, make_resident, make_session
):
    coordinator, watcher, _present, session = _setup(make_user, make_resident, make_session)
    assert rules.resident_status(session, watcher).status == "missed"
    claim = recordings.file_claim(session, watcher, "  Watched it all  ")
    assert claim.status == "pending"
    assert claim.attestation == "Watched it all"
    assert rules.resident_status(session, watcher).status == "missed"  # not yet
    recordings.decide_claim(claim, approve=True, actor=coordinator)
    assert rules.resident_status(session, watcher).status == "attended"
    row = db.session.scalars(select(Attendance).where(Attendance.resident_id == watcher.id)).one()
    assert (row.mark, row.mode, row.source, row.updated_by_id) == (
        "present",
        "recording",
        "claim",
        coordinator.id,
    )
    change = db.session.scalars(
        select(AttendanceChange).where(AttendanceChange.resident_id == watcher.id)
    ).one()
    assert change.actor_id == coordinator.id
    assert "Watched it all" in change.reason
    assert _actions() == ["recording.set", "recording_claim.filed", "recording_claim.approved"]
    assert db.session.scalars(select(OutboxMessage.subject)).all() == [
        f"Recording claim approved: {session.title}"
    ]
    evaluation = evaluate(date(2026, 11, 1), date(2026, 11, 30))
    assert evaluation.totals_by_resident()[watcher.id] == (1, 1, 0)
    check_everywhere(date(2026, 11, 1), date(2026, 11, 30))


def test_claim_without_approval_is_accepted_at_once(
    app_ctx, clock, make_user, make_resident, make_session
):
    _c, watcher, _present, session = _setup(
        make_user, make_resident, make_session, recording_needs_approval=False
    )
    claim = recordings.file_claim(session, watcher, "Watched the recording")
    assert claim.status == "approved"
    assert rules.resident_status(session, watcher).status == "attended"
    assert _actions() == ["recording.set", "recording_claim.filed", "recording_claim.accepted"]


def test_watched_recording_does_not_count_when_the_year_says_so(
    app_ctx, clock, make_user, make_resident, make_session
):
    _c, watcher, _present, session = _setup(
        make_user,
        make_resident,
        make_session,
        recording_needs_approval=False,
        recording_counts=False,
    )
    recordings.file_claim(session, watcher, "Watched the recording")
    # Recorded (the reports show it) but not counted as attended.
    assert rules.resident_status(session, watcher).status == "missed"
    evaluation = evaluate(date(2026, 11, 1), date(2026, 11, 30))
    assert evaluation.totals_by_resident()[watcher.id] == (1, 0, 0)
    from conferences.reports.participation import participation

    assert participation(evaluation)[watcher.id].recording == 1
    check_everywhere(date(2026, 11, 1), date(2026, 11, 30))


def test_denied_claim_changes_nothing_and_needs_a_comment(
    app_ctx, clock, make_user, make_resident, make_session
):
    coordinator, watcher, _present, session = _setup(make_user, make_resident, make_session)
    claim = recordings.file_claim(session, watcher, "Watched")
    with pytest.raises(DomainError, match="Say why"):
        recordings.decide_claim(claim, approve=False, actor=coordinator)
    recordings.decide_claim(
        claim, approve=False, actor=coordinator, comment="No record on the platform"
    )
    assert claim.status == "denied"
    assert rules.resident_status(session, watcher).status == "missed"
    assert (
        db.session.scalars(select(Attendance).where(Attendance.resident_id == watcher.id)).first()
        is None
    )
    with pytest.raises(Conflict):
        recordings.decide_claim(claim, approve=True, actor=coordinator)


def test_who_and_when_may_claim(app_ctx, clock, make_user, make_resident, make_session):
    coordinator, watcher, present, session = _setup(make_user, make_resident, make_session)
    assert "already marked" in recordings.claim_problem(session, present)
    with pytest.raises(DomainError, match="attestation"):
        recordings.file_claim(session, watcher, "   ")
    # The window (180 days by default, here 10): after it, closed.
    hybrid.set_rules(
        YEAR,
        remote_counts=True,
        recording_counts=True,
        recording_needs_approval=True,
        recording_window_days=10,
    )
    late = session.ends_at + timedelta(days=11)
    assert "up to 10 days" in recordings.claim_problem(session, watcher, late)
    assert recordings.claim_problem(session, watcher, session.ends_at + timedelta(days=9)) is None
    # Not for a session without a recording, nor for one the resident was not expected at.
    bare = make_session(on=SESSION_DAY - timedelta(days=1))
    assert "no recording" in recordings.claim_problem(bare, watcher)
    seniors = make_session(on=SESSION_DAY - timedelta(days=1), audience={"pgy": [3]})
    recordings.set_recording(seniors, LINK, coordinator)
    assert "expected at and missed" in recordings.claim_problem(seniors, watcher)
    claim = recordings.file_claim(session, watcher, "Watched")
    assert "waiting" in recordings.claim_problem(session, watcher)
    with pytest.raises(NotAllowed):
        recordings.decide_claim(claim, approve=True, actor=watcher)


def test_pages_add_link_claim_and_decide(
    client, auth, clock, make_user, make_resident, make_session
):
    coordinator, watcher, _present, session = _setup(make_user, make_resident, make_session)
    db.session.commit()
    auth.login(watcher.email)
    page = client.get(f"/sessions/{session.public_id}")
    assert LINK in page.text
    assert "I watched the recording" in page.text
    response = client.post(
        f"/sessions/{session.public_id}/recording/claim", data={"attestation": "Watched it"}
    )
    assert response.status_code == 303
    claim = db.session.scalars(select(recordings.RecordingClaim)).one()
    assert claim.status == "pending"
    auth.logout()
    auth.login(coordinator.email)
    menu = client.get("/")
    assert 'href="/attendance/recording-claims"' in menu.text  # reachable from the Program menu
    queue = client.get("/attendance/recording-claims")
    assert "Watched it" in queue.text
    decided = client.post(f"/attendance/recording-claims/{claim.id}", data={"decision": "approve"})
    assert decided.status_code == 303
    db.session.expire_all()
    assert db.session.get(recordings.RecordingClaim, claim.id).status == "approved"
    bad = client.post(
        f"/sessions/{session.public_id}/recording", data={"url": "javascript:alert(1)"}
    )
    assert bad.status_code == 303
    assert recordings.recording_of(session).url == LINK
