"""Who depends on a session: the schedule asks through ``signals.session_dependents`` and
attendance and teaching answer, so deleting waits for all four kinds of records."""

from __future__ import annotations

import pytest

from conferences.attendance.models import Attendance, AttendanceClaim
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.schedule import deletion, series_changes
from conferences.teaching.models import Feedback, TeachingSlot
from tests.schedule.conftest import series_values


@pytest.fixture
def sessions(app_ctx, clock, coordinator):
    series = series_changes.create_series(series_values(), coordinator)
    return series_changes.generate_sessions(series, coordinator).created


def test_attendance_and_teaching_answer_for_their_records(
    sessions, coordinator, make_resident, make_user
):
    first, second, third, untouched = sessions[:4]
    resident, other = make_resident(), make_resident()
    teacher = make_user(roles=("faculty",))
    db.session.add_all(
        [
            Attendance(
                session_id=first.id, resident_id=resident.id, mark="present", source="manual"
            ),
            Attendance(session_id=first.id, resident_id=other.id, mark="present", source="manual"),
            AttendanceClaim(session_id=first.id, resident_id=resident.id, note="I was there"),
            TeachingSlot(session_id=first.id, role="lecturer", holder_id=teacher.id),
            Feedback(session_id=first.id, resident_id=resident.id, rating=4),
            AttendanceClaim(session_id=second.id, resident_id=resident.id, note="I was there"),
            Feedback(session_id=third.id, resident_id=resident.id, rating=5),
            TeachingSlot(session_id=untouched.id, role="lecturer"),  # open: not a record
        ]
    )
    db.session.flush()

    found = deletion.dependencies(s.id for s in sessions[:4])

    assert found == {
        first.id: [
            "2 attendance records",
            "1 attendance claims",
            "1 filled teaching slots",
            "1 feedback",
        ],
        second.id: ["1 attendance claims"],
        third.id: ["1 feedback"],
    }
    for session in (second, third):
        with pytest.raises(DomainError, match="cancel it instead"):
            deletion.delete_session(session, coordinator)
    deletion.delete_session(untouched, coordinator)


def test_no_sessions_asks_no_one(app_ctx):
    assert deletion.dependencies([]) == {}
