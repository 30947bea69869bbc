"""A remote check-in reads as the rule decides, with the reason, on the roster, the
session report and the resident's own page: "Missed (Remote — not counted this year)" when
the year does not count remote, "by video" beside "Attended" when it does."""

from __future__ import annotations

from datetime import date

import pytest

from conferences.attendance import hybrid, rules
from conferences.attendance.rosters import roster
from conferences.extensions import db
from tests.attendance.test_remote import YEAR, _program

NOT_COUNTED = "Remote — not counted this year"


@pytest.mark.parametrize(
    ("remote_counts", "word", "reason"),
    [(True, "late", "by video"), (False, "missed", NOT_COUNTED)],
)
def test_roster_reads_the_rule_and_its_reason(
    client, auth, clock, make_user, make_resident, make_session, remote_counts, word, reason
):
    coordinator = make_user(roles=("coordinator",))
    session, in_room, remote, absent = _program(make_resident, make_session, clock)
    hybrid.set_rules(
        YEAR, remote_counts=remote_counts, recording_counts=False, recording_needs_approval=True
    )
    rows = {row.resident.id: row for row in roster(session).rows}
    assert (rows[remote.id].status, rows[remote.id].reason) == (word, reason)
    # Nobody else has a reason; the absent resident still reads absent.
    assert (rows[in_room.id].status, rows[in_room.id].reason) == ("present", "")
    assert (rows[absent.id].status, rows[absent.id].reason) == ("absent", "")
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/roster").text
    assert reason in page
    if not remote_counts:
        assert 'data-count="missed">1<' in page
        missed = client.get(f"/sessions/{session.public_id}/roster?status=missed").text
        assert remote.name in missed
        assert absent.name not in missed


def test_reports_and_the_residents_page_say_why_remote_did_not_count(
    client, auth, clock, make_user, make_resident, make_session
):
    from conferences.reports.filters import Filters
    from conferences.reports.resident import resident_report
    from conferences.reports.sessions import session_detail_table

    session, _in_room, remote, _absent = _program(make_resident, make_session, clock)
    hybrid.set_rules(
        YEAR, remote_counts=False, recording_counts=False, recording_needs_approval=True
    )
    label = rules.status_label(rules.Status.MISSED, NOT_COUNTED)
    assert label == f"Missed ({NOT_COUNTED})"
    entry = rules.resident_status(session, remote)
    assert (entry.status, entry.reason) == (rules.Status.MISSED, NOT_COUNTED)
    report = resident_report(remote, Filters(date(2026, 11, 1), date(2026, 11, 30)))
    keys = [c.key for c in report.table.columns]
    assert [dict(zip(keys, row, strict=True))["status"] for row in report.table.rows] == [label]
    table = session_detail_table(session)
    keys = [c.key for c in table.columns]
    statuses = {
        dict(zip(keys, row, strict=True))["name"]: dict(zip(keys, row, strict=True))["status"]
        for row in table.rows
    }
    assert statuses[remote.name] == label
    remote.set_password("correct-horse-battery")
    db.session.commit()
    auth.login(remote.email)
    page = client.get("/my/attendance?start=2026-07-01&end=2027-06-30")
    assert page.status_code == 200
    assert NOT_COUNTED in page.text


def test_a_late_arrival_the_program_does_not_count_says_why(
    client, auth, clock, make_user, make_resident, make_session
):
    from conferences.attendance.models import Attendance
    from conferences.program.services import get_settings

    coordinator = make_user(roles=("coordinator",))
    session, in_room, remote, _absent = _program(make_resident, make_session, clock)
    db.session.get(Attendance, _row_id(session, in_room)).mark = "late"
    get_settings().late_counts_as_attended = False
    hybrid.set_rules(
        YEAR, remote_counts=True, recording_counts=False, recording_needs_approval=True
    )
    db.session.flush()
    late = rules.LATE_NOT_COUNTED
    entry = rules.resident_status(session, in_room)
    assert (entry.status, entry.reason) == (rules.Status.MISSED, late)
    # Late by video, remote counted: the late arrival is the reason it did not count.
    assert rules.resident_status(session, remote).reason == late
    rows = {row.resident.id: row for row in roster(session).rows}
    assert (rows[in_room.id].status, rows[in_room.id].reason) == ("late", late)
    db.session.commit()
    auth.login(coordinator.email)
    assert late in client.get(f"/sessions/{session.public_id}/roster").text
    # When late counts again, nothing is left to explain.
    get_settings().late_counts_as_attended = True
    db.session.flush()
    assert rules.resident_status(session, in_room).reason == ""


def _row_id(session, resident) -> int:
    from sqlalchemy import select

    from conferences.attendance.models import Attendance

    return db.session.scalar(
        select(Attendance.id).where(
            Attendance.session_id == session.id, Attendance.resident_id == resident.id
        )
    )
