"""Attendance's answer to the schedule's question "who depends on these sessions?"
(``schedule.signals.session_dependents``): the attendance records and claims they have.

Connected when the module is imported; ``create_app`` imports it at start-up.
"""

from __future__ import annotations

from collections import defaultdict

from conferences.attendance.models import Attendance, AttendanceClaim
from conferences.dbutil import count_by
from conferences.schedule import signals


@signals.session_dependents.connect
def attendance_on_sessions(_sender, *, session_ids: list[int], **_extra) -> dict[int, list[str]]:
    """Attendance records and claims per session, in words ("2 attendance records")."""
    found: dict[int, list[str]] = defaultdict(list)
    for column, label in (
        (Attendance.session_id, "attendance records"),
        (AttendanceClaim.session_id, "attendance claims"),
    ):
        for session_id, count in count_by(column, session_ids).items():
            found[session_id].append(f"{count} {label}")
    return found
