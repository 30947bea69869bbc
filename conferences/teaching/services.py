"""Teaching slots: claiming, releasing, assigning."""

from __future__ import annotations

from sqlalchemy import exists, select

from conferences.extensions import db
from conferences.teaching.models import TeachingSlot


def holds_slot_on(user, session) -> bool:
    """Does ``user`` hold a teaching slot on ``session``?"""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    TeachingSlot.session_id == session.id, TeachingSlot.holder_id == user.id
                )
            )
        )
    )
