"""Teaching's receivers of the schedule's signals, connected when this module is imported.

New sessions get their series' template slots; holders hear when their session moves,
is cancelled, restored or deleted.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from conferences.extensions import db
from conferences.notifications import services as mail
from conferences.schedule.signals import session_changed, sessions_created
from conferences.teaching.models import TeachingSlot
from conferences.teaching.notices import describe, join_line, session_url
from conferences.teaching.slots import ensure_slots_for_sessions


def _on_session_changed(session, change: str = "", actor=None, **_extra) -> None:
    """Tell holders when their session moves, is cancelled, restored or deleted."""
    if change not in ("moved", "cancelled", "restored", "deleted") or session.id is None:
        return
    holders = db.session.scalars(
        select(TeachingSlot)
        .options(selectinload(TeachingSlot.holder))
        .where(TeachingSlot.session_id == session.id, TeachingSlot.holder_id.is_not(None))
    ).all()
    for slot in holders:
        if change == "moved":
            subject = f"Session moved: {session.title}"
            body = (
                f"The session where you are {slot.role_label.lower()} was moved. It is now\n"
                f"{describe(session)}.\n{join_line(session)}\n{session_url(session)}\n"
            )
        elif change == "restored":
            subject = f"Session back on: {session.title}"
            body = (
                f"The session where you are {slot.role_label.lower()} is back on the "
                f"schedule:\n{describe(session)}.\n{join_line(session)}\n{session_url(session)}\n"
            )
        else:
            reason = f"\nReason: {session.cancel_reason}\n" if session.cancel_reason else ""
            subject = f"Session cancelled: {session.title}"
            body = (
                f"The session where you were {slot.role_label.lower()} is cancelled:\n"
                f"{describe(session)}.\n{reason}\nYou do not need to prepare for it.\n"
            )
        mail.send(slot.holder, subject, body)


def _on_sessions_created(_sender, sessions=(), **_extra) -> None:
    """Give newly created sessions their series' template slots, in bulk."""
    ensure_slots_for_sessions(sessions)


session_changed.connect(_on_session_changed)
sessions_created.connect(_on_sessions_created)
