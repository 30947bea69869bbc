"""Reading the schedule: sessions and series by their public keys, sessions in a period,
session counts per series, and a session's local times.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, raiseload

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule.models import Series, Session, SessionStatus


def get_session_by_public_id(public_id: str) -> Session | None:
    return db.session.scalar(
        select(Session).options(joinedload(Session.series)).where(Session.public_id == public_id)
    )


def sessions_between(
    start_at: datetime, end_at: datetime, *, include_cancelled: bool = True, topics: bool = True
) -> list[Session]:
    """Sessions overlapping ``[start_at, end_at)``, with series and topics loaded
    (``topics=False``: not loaded, and not loadable, for pages that do not show them: a
    month of an institution's sessions would otherwise read them in batches of 500, one
    more query per batch)."""
    stmt = (
        select(Session)
        .options(
            joinedload(Session.series),
            *([] if topics else [raiseload(Session.topic_rows)]),
        )
        .where(Session.starts_at < end_at, Session.ends_at > start_at)
        .order_by(Session.starts_at, Session.title, Session.id)
    )
    if not include_cancelled:
        stmt = stmt.where(Session.status == SessionStatus.SCHEDULED.value)
    return list(db.session.scalars(stmt).unique())


def series_by_slug(slug: str) -> Series | None:
    return db.session.scalar(select(Series).where(Series.slug == slug))


def all_series() -> list[Series]:
    return list(db.session.scalars(select(Series).order_by(Series.title)))


def session_counts() -> dict[int, tuple[int, int]]:
    """(scheduled, cancelled) session counts per series id, in one query."""
    rows = db.session.execute(
        select(Session.series_id, Session.status, func.count())
        .where(Session.series_id.is_not(None))
        .group_by(Session.series_id, Session.status)
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for series_id, status, count in rows:
        counts[series_id][0 if status == SessionStatus.SCHEDULED.value else 1] += count
    return {key: (value[0], value[1]) for key, value in counts.items()}


def wall_times(session: Session) -> tuple[time, time]:
    """The session's local start and end times."""
    return timeutil.to_local(session.starts_at).time(), timeutil.to_local(session.ends_at).time()


def local_start_text(session: Session) -> str:
    """When the session starts, in the program's zone: "Wed 18 Nov 2026 12:00"."""
    return timeutil.format_local(session.starts_at, "%a %d %b %Y %H:%M")
