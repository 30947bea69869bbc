"""Conflicts the schedule warns of (saving goes ahead): a room booked twice at once, and
required sessions at the same time for audiences one resident could be in.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import select

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule.audience import Audience, describe_audience
from conferences.schedule.models import Session, SessionStatus
from conferences.schedule.queries import local_start_text

MAX_CONFLICT_MESSAGES = 5


def audiences_overlap(a: Audience, b: Audience) -> bool:
    """Could one resident be in both audiences? (By their criteria, on the same day.)"""
    for mine, theirs in (
        (a.pgy_levels, b.pgy_levels),
        (a.firm_ids, b.firm_ids),
        (a.track_ids, b.track_ids),
    ):
        if mine and theirs and not (mine & theirs):
            return False
    if a.depends_on_rotation and b.depends_on_rotation:
        only_settings = not a.rotation_type_ids and not b.rotation_type_ids
        only_types = not a.rotation_settings and not b.rotation_settings
        if only_settings and not (a.rotation_settings & b.rotation_settings):
            return False
        if only_types and not (a.rotation_type_ids & b.rotation_type_ids):
            return False
    return True


def conflict_warnings(sessions: Iterable[Session]) -> list[str]:
    """Room double-bookings and overlapping required sessions for overlapping audiences.

    Warnings only: saving goes ahead. One query for all the given sessions.
    """
    mine = [s for s in sessions if not s.is_cancelled]
    if not mine:
        return []
    low = min(s.starts_at for s in mine)
    high = max(s.ends_at for s in mine)
    mine_ids = {s.id for s in mine}
    others = list(
        db.session.scalars(
            select(Session).where(
                Session.starts_at < high,
                Session.ends_at > low,
                Session.status == SessionStatus.SCHEDULED.value,
            )
        )
    )
    by_day: dict[date, list[Session]] = defaultdict(list)
    for other in others:
        by_day[timeutil.local_date(other.starts_at)].append(other)
    for session in mine:
        if session not in others:
            by_day[timeutil.local_date(session.starts_at)].append(session)
    messages: list[str] = []
    seen: set[tuple[int, int, str]] = set()
    for session in mine:
        room = (session.room or "").strip().lower()
        audience = Audience.from_json(session.audience)
        for other in by_day[timeutil.local_date(session.starts_at)]:
            if other is session or other.id == session.id:
                continue
            if not (other.starts_at < session.ends_at and other.ends_at > session.starts_at):
                continue
            pair = (min(session.id, other.id), max(session.id, other.id))
            if room and room == (other.room or "").strip().lower():
                key = (*pair, "room")
                if key not in seen and not (other.id in mine_ids and other.id < session.id):
                    seen.add(key)
                    messages.append(
                        f"{session.room} is double-booked on {local_start_text(session)}: "
                        f"“{session.title}” and “{other.title}”."
                    )
            if (
                session.required
                and other.required
                and audiences_overlap(audience, Audience.from_json(other.audience))
            ):
                key = (*pair, "audience")
                if key not in seen and not (other.id in mine_ids and other.id < session.id):
                    seen.add(key)
                    messages.append(
                        f"“{session.title}” ({describe_audience(session.audience)}) overlaps "
                        f"the required “{other.title}” ({describe_audience(other.audience)}) "
                        f"on {local_start_text(session)}."
                    )
    if len(messages) > MAX_CONFLICT_MESSAGES:
        extra = len(messages) - MAX_CONFLICT_MESSAGES
        messages = [*messages[:MAX_CONFLICT_MESSAGES], f"…and {extra} more overlap(s)."]
    return messages
