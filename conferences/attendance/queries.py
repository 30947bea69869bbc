"""Questions other domains ask about attendance, answered without showing its tables.

Teaching (feedback) asks whether a resident was at a session; it calls these functions
rather than reading ``Attendance`` rows itself.
"""

from __future__ import annotations

from sqlalchemy import Select, exists, select

from conferences.attendance.models import Attendance, Mark
from conferences.extensions import db

# The marks that say a resident was in the room (whatever the program counts as late).
MARKED_IN_ROOM = (Mark.PRESENT.value, Mark.LATE.value)


def was_in_room(resident, session) -> bool:
    """Is ``resident`` marked present or late at ``session``?"""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Attendance.session_id == session.id,
                    Attendance.resident_id == resident.id,
                    Attendance.mark.in_(MARKED_IN_ROOM),
                )
            )
        )
    )


def sessions_in_room(resident) -> Select:
    """The ids of the sessions ``resident`` is marked present or late at, as a subquery.

    Callers narrow their own session query with ``Session.id.in_(...)``: still one query.
    """
    return select(Attendance.session_id).where(
        Attendance.resident_id == resident.id, Attendance.mark.in_(MARKED_IN_ROOM)
    )
