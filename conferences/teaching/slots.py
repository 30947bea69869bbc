"""Slot templates of a series and the slots they put on its sessions.

Every change to a session's slots calls ``touch_session(session)`` so calendar feeds
(which show presenters) see a new revision.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from conferences import timeutil
from conferences.audit import services as audit
from conferences.errors import Conflict
from conferences.extensions import db
from conferences.notifications import services as mail
from conferences.schedule.bookkeeping import touch_session
from conferences.schedule.models import Series, Session, SessionStatus
from conferences.teaching.eligibility import check_role
from conferences.teaching.models import Eligibility, SlotTemplate, TeachingSlot
from conferences.teaching.notices import describe, session_url
from conferences.teaching.queries import slots_by_session


@dataclass
class TemplateRow:
    role: str
    eligibility: str = Eligibility.FACULTY.value


def slot_template(series: Series) -> list[SlotTemplate]:
    return list(
        db.session.scalars(
            select(SlotTemplate)
            .where(SlotTemplate.series_id == series.id)
            .order_by(SlotTemplate.position, SlotTemplate.id)
        )
    )


def set_slot_template(series: Series, rows: Sequence[TemplateRow], actor) -> list[SlotTemplate]:
    """Replace the series' slot template with ``rows`` (in order)."""
    for row in rows:
        check_role(row.role, row.eligibility)
    db.session.execute(delete(SlotTemplate).where(SlotTemplate.series_id == series.id))
    created = [
        SlotTemplate(
            series_id=series.id, role=row.role, eligibility=row.eligibility, position=index
        )
        for index, row in enumerate(rows)
    ]
    db.session.add_all(created)
    db.session.flush()
    audit.record(actor, "teaching.template", series, after={"slots": [r.role for r in rows]})
    return created


def _slots_from_template(session: Session, template: Sequence[SlotTemplate]) -> list:
    return [
        TeachingSlot(
            session_id=session.id,
            role=t.role,
            eligibility=t.eligibility,
            position=t.position,
            updated_at=timeutil.now_utc(),
        )
        for t in template
    ]


def apply_template(series: Series, *, prune: bool = False) -> int:
    """Bring the series' upcoming sessions in line with its slot template.

    Adds the slots each upcoming, scheduled session is missing (counted by role and
    eligibility). With ``prune``, also removes *open* slots the template no longer has;
    a held slot is never removed here. Returns the number of sessions changed.
    """
    template = slot_template(series)
    sessions = list(
        db.session.scalars(
            select(Session)
            .where(
                Session.series_id == series.id,
                Session.status == SessionStatus.SCHEDULED.value,
                Session.starts_at > timeutil.now_utc(),
            )
            .order_by(Session.starts_at)
        )
    )
    existing = slots_by_session([s.id for s in sessions])
    changed = 0
    for session in sessions:
        have = list(existing.get(session.id, []))
        wanted = [(t.role, t.eligibility, t.position) for t in template]
        unmatched: list[TeachingSlot] = []
        for slot in have:
            key = next((w for w in wanted if w[0] == slot.role and w[1] == slot.eligibility), None)
            if key is not None:
                wanted.remove(key)
            else:
                unmatched.append(slot)
        touched = False
        for role, eligibility, position in wanted:
            db.session.add(
                TeachingSlot(
                    session_id=session.id,
                    role=role,
                    eligibility=eligibility,
                    position=position,
                    updated_at=timeutil.now_utc(),
                )
            )
            touched = True
        if prune:
            for slot in unmatched:
                if slot.holder_id is None:
                    db.session.delete(slot)
                    touched = True
        if touched:
            changed += 1
            touch_session(session)
    db.session.flush()
    return changed


def ensure_slots_for_sessions(sessions: Iterable[Session]) -> int:
    """Give sessions that have no slots yet the slots of their series' template."""
    sessions = [s for s in sessions if s.series_id is not None]
    if not sessions:
        return 0
    if any(s.id is None for s in sessions):
        db.session.flush()
    with_slots = set(
        db.session.scalars(
            select(TeachingSlot.session_id)
            .where(TeachingSlot.session_id.in_([s.id for s in sessions]))
            .distinct()
        )
    )
    templates: dict[int, list[SlotTemplate]] = defaultdict(list)
    for row in db.session.scalars(
        select(SlotTemplate)
        .where(SlotTemplate.series_id.in_({s.series_id for s in sessions}))
        .order_by(SlotTemplate.position, SlotTemplate.id)
    ):
        templates[row.series_id].append(row)
    added = 0
    for session in sessions:
        if session.id in with_slots or not templates.get(session.series_id):
            continue
        db.session.add_all(_slots_from_template(session, templates[session.series_id]))
        added += 1
    if added:
        db.session.flush()
    return added


def add_slot(session: Session, role: str, eligibility: str, actor) -> TeachingSlot:
    """A coordinator adds one slot to one session."""
    check_role(role, eligibility)
    if session.is_cancelled:
        raise Conflict("This session is cancelled; restore it before adding slots.")
    position = db.session.scalar(
        select(func.coalesce(func.max(TeachingSlot.position), -1)).where(
            TeachingSlot.session_id == session.id
        )
    )
    slot = TeachingSlot(
        session_id=session.id,
        role=role,
        eligibility=eligibility,
        position=int(position) + 1,
        updated_at=timeutil.now_utc(),
    )
    db.session.add(slot)
    db.session.flush()
    touch_session(session)
    return slot


def remove_slot(slot: TeachingSlot, actor) -> None:
    """A coordinator removes a slot; a holder is told."""
    session = slot.session
    holder = slot.holder
    if holder is not None:
        mail.send(
            holder,
            f"Your {slot.role_label.lower()} slot was removed: {session.title}",
            f"{actor.name} removed the {slot.role_label.lower()} slot you held on\n"
            f"{describe(session)}.\n\nYou no longer teach at this session. "
            f"Questions? Reply to the program office.\n\n{session_url(session)}\n",
        )
    db.session.delete(slot)
    db.session.flush()
    touch_session(session)
