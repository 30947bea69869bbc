"""Read-only questions about slots: who holds what, which are open, what needs a teacher."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Series, Session, SessionStatus
from conferences.teaching.eligibility import eligibilities_for
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


def slots_by_session(session_ids: Iterable[int]) -> dict[int, list[TeachingSlot]]:
    """Slots of many sessions, in display order, holders loaded: one query."""
    ids = list(set(session_ids))
    result: dict[int, list[TeachingSlot]] = {}
    if not ids:
        return result
    rows = db.session.scalars(
        select(TeachingSlot)
        # Roles of holders load only if asked for: the slots and holders are one query.
        .options(joinedload(TeachingSlot.holder).lazyload(User.role_rows))
        .where(TeachingSlot.session_id.in_(ids))
        .order_by(TeachingSlot.session_id, TeachingSlot.position, TeachingSlot.id)
    )
    for slot in rows:
        result.setdefault(slot.session_id, []).append(slot)
    return result


@dataclass
class SlotFilters:
    start_on: date | None = None
    end_on: date | None = None
    kind: str = ""
    series_id: int | None = None
    role: str = ""


def _open_condition():
    return or_(TeachingSlot.holder_id.is_(None), TeachingSlot.swap_offered)


def upcoming_slots_query():
    return (
        select(TeachingSlot)
        .join(Session, TeachingSlot.session_id == Session.id)
        .options(
            joinedload(TeachingSlot.holder),
            joinedload(TeachingSlot.session).joinedload(Session.series),
        )
        .where(Session.status == SessionStatus.SCHEDULED.value)
    )


def open_slots(user, filters: SlotFilters | None = None) -> list[TeachingSlot]:
    """Open slots ``user`` could take, soonest first."""
    filters = filters or SlotFilters()
    allowed = eligibilities_for(user)
    if not allowed:
        return []
    query = upcoming_slots_query().where(
        _open_condition(),
        TeachingSlot.eligibility.in_(allowed),
        or_(TeachingSlot.holder_id.is_(None), TeachingSlot.holder_id != user.id),
        Session.starts_at > timeutil.now_utc(),
    )
    if filters.start_on:
        query = query.where(Session.starts_at >= timeutil.day_bounds(filters.start_on)[0])
    if filters.end_on:
        query = query.where(Session.starts_at < timeutil.day_bounds(filters.end_on)[1])
    if filters.kind:
        query = query.where(Session.kind == filters.kind)
    if filters.series_id:
        query = query.where(Session.series_id == filters.series_id)
    if filters.role:
        query = query.where(TeachingSlot.role == filters.role)
    query = query.order_by(Session.starts_at, TeachingSlot.position, TeachingSlot.id)
    return list(db.session.scalars(query).unique())


def open_slot_count(user) -> int:
    allowed = eligibilities_for(user)
    if not allowed:
        return 0
    return (
        db.session.scalar(
            select(func.count(TeachingSlot.id))
            .join(Session, TeachingSlot.session_id == Session.id)
            .where(
                Session.status == SessionStatus.SCHEDULED.value,
                Session.starts_at > timeutil.now_utc(),
                _open_condition(),
                TeachingSlot.eligibility.in_(allowed),
                or_(TeachingSlot.holder_id.is_(None), TeachingSlot.holder_id != user.id),
            )
        )
        or 0
    )


def needs_teacher(weeks: int = 4) -> list[TeachingSlot]:
    """Slots without a committed teacher in the next ``weeks`` weeks, soonest first."""
    now = timeutil.now_utc()
    query = (
        upcoming_slots_query()
        .where(
            _open_condition(),
            Session.starts_at > now,
            Session.starts_at <= now + timedelta(weeks=weeks),
        )
        .order_by(Session.starts_at, TeachingSlot.position, TeachingSlot.id)
    )
    return list(db.session.scalars(query).unique())


def pending_release_requests() -> list[TeachingSlot]:
    query = (
        upcoming_slots_query()
        .where(
            TeachingSlot.release_requested_at.is_not(None),
            TeachingSlot.holder_id.is_not(None),
            Session.starts_at > timeutil.now_utc(),
        )
        .order_by(Session.starts_at)
    )
    return list(db.session.scalars(query).unique())


def series_sessions_with_slots(
    series: Series, *, upcoming_only: bool = True
) -> list[tuple[Session, list[TeachingSlot]]]:
    query = select(Session).where(Session.series_id == series.id).order_by(Session.starts_at)
    if upcoming_only:
        query = query.where(Session.starts_at > timeutil.now_utc())
    sessions = list(db.session.scalars(query))
    slots = slots_by_session([s.id for s in sessions])
    return [(s, slots.get(s.id, [])) for s in sessions]


def next_teaching(user, limit: int = 3) -> list[TeachingSlot]:
    query = (
        upcoming_slots_query()
        .where(TeachingSlot.holder_id == user.id, Session.starts_at > timeutil.now_utc())
        .order_by(Session.starts_at)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())
