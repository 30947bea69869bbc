"""Teaching slots: templates, claiming, releasing, swapping, assigning, the record, feedback.

Every change to who holds a slot or what the talk is calls ``_touch(session)`` so calendar
feeds (which show presenters) see a new revision. Claims are one conditional UPDATE: the
database, not a check-then-write, decides who wins a race.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, delete, exists, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from conferences import timeutil
from conferences.config import public_url
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.notifications import services as mail
from conferences.people.models import Role, User, UserRole
from conferences.program import services as program
from conferences.schedule.bookkeeping import touch_session
from conferences.schedule.models import Series, Session, SessionStatus
from conferences.schedule.signals import session_changed, sessions_created
from conferences.teaching.models import (
    SLOT_ROLE_LABELS,
    Eligibility,
    Feedback,
    SlotRole,
    SlotTemplate,
    TeachingSlot,
)

# Presenters see feedback on their sessions only once this many residents have responded.
FEEDBACK_ANONYMITY_THRESHOLD = 3
NUDGE_WEEKS = 3
ATTENDED_MARKS = ("present", "late")


# ---------------------------------------------------------------------------
# Small helpers


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


def _touch(session: Session) -> None:
    """Tell calendar feeds that this session's presenters changed (revision, counter)."""
    touch_session(session)


def eligible_roles(eligibility: str) -> tuple[Role, ...]:
    if eligibility == Eligibility.RESIDENT.value:
        return (Role.RESIDENT,)
    if eligibility == Eligibility.BOTH.value:
        return (Role.FACULTY, Role.RESIDENT)
    return (Role.FACULTY,)


def is_eligible(user, slot: TeachingSlot) -> bool:
    """May ``user`` hold ``slot``, by role (faculty, resident or both)?"""
    return bool(user.active and user.has_role(*eligible_roles(slot.eligibility)))


def eligibilities_for(user) -> list[str]:
    """The slot eligibilities that let ``user`` hold a slot."""
    values = []
    if user.is_faculty:
        values.append(Eligibility.FACULTY.value)
    if user.is_resident:
        values.append(Eligibility.RESIDENT.value)
    if values:
        values.append(Eligibility.BOTH.value)
    return values


def release_cutoff(session: Session) -> datetime:
    """The last instant a holder may release a slot on ``session`` themselves."""
    days = program.get_settings().release_cutoff_days
    return session.starts_at - timedelta(days=days)


def can_release_now(slot: TeachingSlot) -> bool:
    return timeutil.now_utc() < release_cutoff(slot.session)


def is_past(session: Session) -> bool:
    return session.starts_at <= timeutil.now_utc()


def session_url(session: Session) -> str:
    return public_url(f"/sessions/{session.public_id}")


def _describe(session: Session) -> str:
    return f"{session.title}, {timeutil.format_local(session.starts_at)}" + (
        f", {session.room}" if session.room else ""
    )


def coordinators() -> list[User]:
    """Active program coordinators (they get the program's teaching notices)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active == true(),
                exists().where(
                    UserRole.user_id == User.id, UserRole.role == Role.COORDINATOR.value
                ),
            )
            .order_by(User.name)
        )
    )


def _users_with_roles(roles: Iterable[Role]) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active == true(),
                exists().where(
                    UserRole.user_id == User.id, UserRole.role.in_([r.value for r in roles])
                ),
            )
            .order_by(User.name)
        )
    )


def eligible_users(slot: TeachingSlot) -> list[User]:
    """Everyone a coordinator may assign to ``slot``."""
    return _users_with_roles(eligible_roles(slot.eligibility))


def _notify_coordinators(subject: str, body: str, *, skip: User | None = None) -> None:
    for person in coordinators():
        if skip is not None and person.id == skip.id:
            continue
        mail.send(person, subject, body)


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise DomainError(
            "Materials must be a web address starting with https:// or http://.",
            field="materials_url",
        )
    return url


def _check_role(role: str, eligibility: str) -> None:
    if role not in {r.value for r in SlotRole}:
        raise DomainError(f"Unknown slot role: {role}.", field="role")
    if eligibility not in {e.value for e in Eligibility}:
        raise DomainError(f"Unknown eligibility: {eligibility}.", field="eligibility")


def _bookable(session: Session) -> None:
    if session.is_cancelled:
        raise Conflict("This session is cancelled; its slots cannot be taken.")
    if is_past(session):
        raise Conflict("This session has already started; its slots can no longer be taken.")


# ---------------------------------------------------------------------------
# Slot templates and slots on sessions


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
        _check_role(row.role, row.eligibility)
    db.session.execute(delete(SlotTemplate).where(SlotTemplate.series_id == series.id))
    created = [
        SlotTemplate(
            series_id=series.id, role=row.role, eligibility=row.eligibility, position=index
        )
        for index, row in enumerate(rows)
    ]
    db.session.add_all(created)
    db.session.flush()
    from conferences.audit.services import record

    record(actor, "teaching.template", series, after={"slots": [r.role for r in rows]})
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
            _touch(session)
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


def add_slot(session: Session, role: str, eligibility: str, actor) -> TeachingSlot:
    """A coordinator adds one slot to one session."""
    _check_role(role, eligibility)
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
    _touch(session)
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
            f"{_describe(session)}.\n\nYou no longer teach at this session. "
            f"Questions? Reply to the program office.\n\n{session_url(session)}\n",
        )
    db.session.delete(slot)
    db.session.flush()
    _touch(session)


# ---------------------------------------------------------------------------
# Claiming, releasing, swapping


def _hand_over(slot: TeachingSlot, holder_id: int, still_as_read) -> bool:
    """Give ``slot`` to ``holder_id`` in one conditional UPDATE, with a fresh talk.

    ``still_as_read`` restates what the caller saw (open, or held by someone); the database
    applies the change only if that is still true, so of two racing requests one wins.
    """
    now = timeutil.now_utc()
    result = db.session.execute(
        update(TeachingSlot)
        .where(TeachingSlot.id == slot.id, still_as_read)
        .values(
            holder_id=holder_id,
            claimed_at=now,
            swap_offered=False,
            release_requested_at=None,
            release_request_note="",
            talk_title="",
            abstract="",
            materials_url="",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def claim_slot(slot: TeachingSlot, user) -> TeachingSlot:
    """``user`` takes an open slot (or one offered for swap). Exactly one claim wins a race."""
    session = slot.session
    if not is_eligible(user, slot):
        who = {"faculty": "faculty", "resident": "residents", "both": "faculty and residents"}
        raise NotAllowed(
            f"This {slot.role_label.lower()} slot is for {who[slot.eligibility]} only."
        )
    _bookable(session)
    previous_id = slot.holder_id
    if previous_id == user.id:
        if slot.swap_offered:
            raise Conflict("You offered this slot for swap; withdraw the offer to keep it.")
        raise Conflict("You already hold this slot.")
    if previous_id is not None and not slot.swap_offered:
        raise Conflict(_taken_message(slot))
    if previous_id is None:
        still_open = TeachingSlot.holder_id.is_(None)
    else:
        still_open = and_(TeachingSlot.holder_id == previous_id, TeachingSlot.swap_offered)
    if not _hand_over(slot, user.id, still_open):
        raise Conflict(
            "Someone else took this slot a moment ago. It is no longer open; "
            "pick another from the open slots."
        )
    db.session.refresh(slot)
    _touch(session)
    mail.send(
        user,
        f"You are teaching: {session.title}",
        f"You signed up as {slot.role_label.lower()} for\n{_describe(session)}.\n\n"
        f"Add your talk title and materials here: {session_url(session)}\n"
        f"You can release the slot yourself until "
        f"{timeutil.format_local(release_cutoff(session))}.\n",
    )
    if previous_id is not None:
        previous = db.session.get(User, previous_id)
        if previous is not None:
            mail.send(
                previous,
                f"Your slot was taken over: {session.title}",
                f"{user.name} took the {slot.role_label.lower()} slot you offered for swap on\n"
                f"{_describe(session)}.\nYou no longer teach at this session.\n",
            )
    return slot


def _taken_message(slot: TeachingSlot) -> str:
    return "This slot is already taken. Pick another from the open slots."


def release_slot(slot: TeachingSlot, actor) -> None:
    """The holder gives the slot back, until the cut-off."""
    session = slot.session
    if slot.holder_id != actor.id:
        raise NotAllowed("Only the person who holds this slot can release it.")
    if not can_release_now(slot):
        raise Conflict(
            "The release cut-off for this session has passed ("
            f"{timeutil.format_local(release_cutoff(session))}). Ask the coordinator to "
            "release you instead, or offer the slot for swap."
        )
    _vacate(slot, expected_holder=actor.id)
    mail.send(
        actor,
        f"You released your slot: {session.title}",
        f"You are no longer {slot.role_label.lower()} for\n{_describe(session)}.\n",
    )
    _notify_coordinators(
        f"Slot released: {session.title} ({timeutil.format_local(session.starts_at, '%d %b')})",
        f"{actor.name} released the {slot.role_label.lower()} slot on\n{_describe(session)}.\n"
        f"It is open again.\n\n{public_url('/teaching/needs-teacher')}\n",
        skip=actor,
    )


def _vacate(slot: TeachingSlot, *, expected_holder: int | None) -> None:
    """Empty the slot, provided it is still held by ``expected_holder``."""
    now = timeutil.now_utc()
    condition = (
        TeachingSlot.holder_id.is_(None)
        if expected_holder is None
        else TeachingSlot.holder_id == expected_holder
    )
    result = db.session.execute(
        update(TeachingSlot)
        .where(TeachingSlot.id == slot.id, condition)
        .values(
            holder_id=None,
            claimed_at=None,
            swap_offered=False,
            release_requested_at=None,
            release_request_note="",
            talk_title="",
            abstract="",
            materials_url="",
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("This slot changed a moment ago. Reload the page and try again.")
    db.session.refresh(slot)
    _touch(slot.session)


def request_release(slot: TeachingSlot, actor, note: str = "") -> TeachingSlot:
    """After the cut-off, the holder asks the coordinator to release them."""
    session = slot.session
    if slot.holder_id != actor.id:
        raise NotAllowed("Only the person who holds this slot can ask to be released.")
    if session.is_cancelled or is_past(session):
        raise Conflict("This session is cancelled or over; there is nothing to release.")
    if can_release_now(slot):
        raise DomainError("You can still release this slot yourself.")
    if slot.release_requested_at is not None:
        raise Conflict("You already asked to be released from this slot.")
    slot.release_requested_at = timeutil.now_utc()
    slot.release_request_note = (note or "").strip()[:2000]
    slot.updated_at = timeutil.now_utc()
    db.session.flush()
    _notify_coordinators(
        f"Release requested: {session.title}",
        f"{actor.name} asks to be released as {slot.role_label.lower()} on\n"
        f"{_describe(session)}.\n\nNote: {slot.release_request_note or '(none)'}\n\n"
        f"Reassign or release: {public_url('/teaching/needs-teacher')}\n",
        skip=actor,
    )
    return slot


def dismiss_release_request(slot: TeachingSlot, actor) -> TeachingSlot:
    """A coordinator declines a release request; the holder keeps the slot and is told."""
    if slot.release_requested_at is None:
        raise Conflict("There is no pending release request on this slot.")
    slot.release_requested_at = None
    slot.release_request_note = ""
    slot.updated_at = timeutil.now_utc()
    db.session.flush()
    if slot.holder is not None:
        mail.send(
            slot.holder,
            f"Release request declined: {slot.session.title}",
            f"{actor.name} could not release you as {slot.role_label.lower()} on\n"
            f"{_describe(slot.session)}.\nPlease contact the program office.\n",
        )
    return slot


def offer_swap(slot: TeachingSlot, actor) -> TeachingSlot:
    """The holder offers the slot to others but keeps it until someone takes it."""
    if slot.holder_id != actor.id:
        raise NotAllowed("Only the person who holds this slot can offer it for swap.")
    _bookable(slot.session)
    if slot.swap_offered:
        raise Conflict("This slot is already offered for swap.")
    slot.swap_offered = True
    slot.updated_at = timeutil.now_utc()
    db.session.flush()
    return slot


def withdraw_swap(slot: TeachingSlot, actor) -> TeachingSlot:
    if slot.holder_id != actor.id:
        raise NotAllowed("Only the person who holds this slot can withdraw the offer.")
    if not slot.swap_offered:
        raise Conflict("This slot is not offered for swap.")
    result = db.session.execute(
        update(TeachingSlot)
        .where(
            TeachingSlot.id == slot.id,
            TeachingSlot.holder_id == actor.id,
            TeachingSlot.swap_offered,
        )
        .values(swap_offered=False, updated_at=timeutil.now_utc())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("Someone took this slot a moment ago; you no longer hold it.")
    db.session.refresh(slot)
    return slot


def edit_talk(
    slot: TeachingSlot, actor, *, title: str, abstract: str, materials_url: str
) -> TeachingSlot:
    """The holder (or a coordinator) sets the talk title, abstract and materials link."""
    if not (actor.is_coordinator or (slot.holder_id is not None and slot.holder_id == actor.id)):
        raise NotAllowed("Only the slot holder or a coordinator can edit this talk.")
    if slot.holder_id is None:
        raise Conflict("Nobody holds this slot; assign someone before adding a talk.")
    title = (title or "").strip()
    if len(title) > 300:
        raise DomainError("The title can have at most 300 characters.", field="talk_title")
    url = _check_url(materials_url)
    slot.talk_title = title
    slot.abstract = (abstract or "").strip()[:5000]
    slot.materials_url = url
    slot.updated_at = timeutil.now_utc()
    db.session.flush()
    _touch(slot.session)
    return slot


def assign_slot(slot: TeachingSlot, person: User, actor) -> TeachingSlot:
    """A coordinator puts ``person`` in the slot (replacing any holder, who is told)."""
    if not is_eligible(person, slot):
        raise NotAllowed(f"{person.name} cannot hold this slot (wrong role for it).")
    session = slot.session
    if session.is_cancelled:
        raise Conflict("This session is cancelled; restore it before assigning.")
    previous_id = slot.holder_id
    if previous_id == person.id:
        raise Conflict(f"{person.name} already holds this slot.")
    condition = (
        TeachingSlot.holder_id.is_(None)
        if previous_id is None
        else TeachingSlot.holder_id == previous_id
    )
    if not _hand_over(slot, person.id, condition):
        raise Conflict("This slot changed a moment ago. Reload the page and try again.")
    db.session.refresh(slot)
    _touch(session)
    mail.send(
        person,
        f"You were assigned to teach: {session.title}",
        f"{actor.name} assigned you as {slot.role_label.lower()} for\n{_describe(session)}.\n\n"
        f"Add your talk title and materials here: {session_url(session)}\n",
    )
    if previous_id is not None:
        previous = db.session.get(User, previous_id)
        if previous is not None:
            mail.send(
                previous,
                f"You were released from teaching: {session.title}",
                f"{actor.name} gave the {slot.role_label.lower()} slot you held on\n"
                f"{_describe(session)} to {person.name}.\nYou no longer teach at this session.\n",
            )
    return slot


def unassign_slot(slot: TeachingSlot, actor) -> None:
    """A coordinator empties a slot; the former holder is told."""
    previous = slot.holder
    if previous is None:
        raise Conflict("Nobody holds this slot.")
    _vacate(slot, expected_holder=previous.id)
    mail.send(
        previous,
        f"You were released from teaching: {slot.session.title}",
        f"{actor.name} released you as {slot.role_label.lower()} on\n"
        f"{_describe(slot.session)}.\nYou no longer teach at this session.\n",
    )


# ---------------------------------------------------------------------------
# Lists


@dataclass
class SlotFilters:
    start_on: date | None = None
    end_on: date | None = None
    kind: str = ""
    series_id: int | None = None
    role: str = ""


def _open_condition():
    return or_(TeachingSlot.holder_id.is_(None), TeachingSlot.swap_offered)


def _upcoming_slots_query():
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
    query = _upcoming_slots_query().where(
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
        _upcoming_slots_query()
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
        _upcoming_slots_query()
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
        _upcoming_slots_query()
        .where(TeachingSlot.holder_id == user.id, Session.starts_at > timeutil.now_utc())
        .order_by(Session.starts_at)
        .limit(limit)
    )
    return list(db.session.scalars(query).unique())


# ---------------------------------------------------------------------------
# Teaching record


@dataclass
class KindTotal:
    kind: str
    label: str
    sessions: int = 0
    hours: float = 0.0
    upcoming: int = 0


@dataclass
class YearTotal:
    year: int
    label: str
    sessions: int = 0
    hours: float = 0.0
    upcoming: int = 0
    kinds: list[KindTotal] = field(default_factory=list)


@dataclass
class TeachingRecord:
    person: User
    upcoming: list[TeachingSlot]
    past: list[TeachingSlot]
    years: list[YearTotal]
    sessions_taught: int
    hours_taught: float


def teaching_record(person: User) -> TeachingRecord:
    """What ``person`` taught and will teach, with totals by academic year and kind.

    Totals count sessions (one per session, however many slots held on it) and their
    hours; cancelled sessions are left out. Upcoming sessions are counted apart.
    """
    now = timeutil.now_utc()
    slots = list(
        db.session.scalars(
            _upcoming_slots_query()
            .where(TeachingSlot.holder_id == person.id)
            .order_by(Session.starts_at, TeachingSlot.position)
        ).unique()
    )
    upcoming = [s for s in slots if s.session.starts_at > now]
    past = [s for s in slots if s.session.starts_at <= now]
    past.reverse()
    years: dict[int, YearTotal] = {}
    kinds: dict[tuple[int, str], KindTotal] = {}
    seen: set[int] = set()
    for slot in slots:
        session = slot.session
        if session.id in seen:
            continue
        seen.add(session.id)
        year = timeutil.academic_year_of(timeutil.local_date(session.starts_at))
        total = years.setdefault(year, YearTotal(year, timeutil.academic_year_label(year)))
        kind = kinds.get((year, session.kind))
        if kind is None:
            kind = kinds[(year, session.kind)] = KindTotal(session.kind, session.kind_label)
            total.kinds.append(kind)
        if session.starts_at > now:
            total.upcoming += 1
            kind.upcoming += 1
        else:
            total.sessions += 1
            kind.sessions += 1
            total.hours += session.duration_hours
            kind.hours += session.duration_hours
    ordered = sorted(years.values(), key=lambda y: y.year, reverse=True)
    for total in ordered:
        total.kinds.sort(key=lambda k: k.label)
    return TeachingRecord(
        person=person,
        upcoming=upcoming,
        past=past,
        years=ordered,
        sessions_taught=sum(y.sessions for y in ordered),
        hours_taught=sum(y.hours for y in ordered),
    )


def record_csv(record: TeachingRecord) -> str:
    """The teaching record as CSV, one row per slot held, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "academic_year",
            "date",
            "start",
            "end",
            "session",
            "series",
            "kind",
            "role",
            "talk_title",
            "hours",
            "status",
        ]
    )
    for slot in [*reversed(record.past), *record.upcoming]:
        session = slot.session
        day = timeutil.local_date(session.starts_at)
        writer.writerow(
            [
                timeutil.academic_year_label(timeutil.academic_year_of(day)),
                day.isoformat(),
                timeutil.format_local(session.starts_at, "%H:%M"),
                timeutil.format_local(session.ends_at, "%H:%M"),
                _csv_safe(session.title),
                _csv_safe(session.series.title if session.series else ""),
                session.kind_label,
                slot.role_label,
                _csv_safe(slot.talk_title),
                f"{session.duration_hours:.2f}",
                "scheduled" if session.starts_at > timeutil.now_utc() else "taught",
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


# ---------------------------------------------------------------------------
# Feedback


def attended(resident, session: Session) -> bool:
    from conferences.attendance.models import Attendance

    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Attendance.session_id == session.id,
                    Attendance.resident_id == resident.id,
                    Attendance.mark.in_(ATTENDED_MARKS),
                )
            )
        )
    )


def has_given_feedback(resident, session: Session) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Feedback.session_id == session.id, Feedback.resident_id == resident.id
                )
            )
        )
    )


def feedback_refusal(resident, session: Session) -> str | None:
    """Why ``resident`` cannot rate ``session`` now (None: they can)."""
    if not resident.is_resident:
        return "Only residents rate sessions."
    if session.is_cancelled:
        return "This session was cancelled."
    if session.ends_at > timeutil.now_utc():
        return "You can rate this session once it is over."
    if not attended(resident, session):
        return "Only residents marked present or late at this session can rate it."
    if has_given_feedback(resident, session):
        return "You already rated this session. Thank you!"
    return None


def give_feedback(session: Session, resident, rating: int, comment: str = "") -> Feedback:
    """Record one resident's rating (1–5) of a session they attended; once only."""
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise DomainError("Choose a rating from 1 to 5.", field="rating")
    reason = feedback_refusal(resident, session)
    if reason is not None:
        if "already" in reason:
            raise Conflict(reason)
        raise NotAllowed(reason)
    feedback = Feedback(
        session_id=session.id,
        resident_id=resident.id,
        rating=rating,
        comment=(comment or "").strip()[:2000],
        created_at=timeutil.now_utc(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(feedback)
    except IntegrityError as error:
        raise Conflict("You already rated this session. Thank you!") from error
    return feedback


@dataclass
class FeedbackSummary:
    count: int
    average: float | None
    distribution: dict[int, int]
    # Filled only for viewers who may see individual responses (coordinators).
    responses: list[tuple[Feedback, str]] = field(default_factory=list)
    visible: bool = False
    detailed: bool = False

    @property
    def needed(self) -> int:
        return max(0, FEEDBACK_ANONYMITY_THRESHOLD - self.count)


def feedback_stats(session_ids: Iterable[int]) -> dict[int, tuple[int, float]]:
    """(count, average rating) per session, one query."""
    ids = list(set(session_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Feedback.session_id, func.count(Feedback.id), func.avg(Feedback.rating))
        .where(Feedback.session_id.in_(ids))
        .group_by(Feedback.session_id)
    )
    return {sid: (int(count), float(avg)) for sid, count, avg in rows}


def may_see_feedback(viewer, session: Session, count: int) -> tuple[bool, bool]:
    """(sees aggregates, sees individual responses) for ``viewer`` on ``session``."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False, False
    if viewer.is_coordinator:
        return True, True
    if holds_slot_on(viewer, session):
        return count >= FEEDBACK_ANONYMITY_THRESHOLD, False
    return False, False


def feedback_summary(session: Session, viewer) -> FeedbackSummary:
    """Feedback on ``session`` as ``viewer`` may see it.

    Presenters see the count, average and distribution only once at least
    ``FEEDBACK_ANONYMITY_THRESHOLD`` residents responded, and never who said what;
    coordinators see every response.
    """
    rows = list(
        db.session.scalars(
            select(Feedback).where(Feedback.session_id == session.id).order_by(Feedback.created_at)
        )
    )
    count = len(rows)
    visible, detailed = may_see_feedback(viewer, session, count)
    if not visible:
        return FeedbackSummary(count=count, average=None, distribution={}, visible=False)
    distribution = dict.fromkeys(range(5, 0, -1), 0)
    for row in rows:
        distribution[row.rating] += 1
    summary = FeedbackSummary(
        count=count,
        average=(sum(r.rating for r in rows) / count) if count else None,
        distribution=distribution,
        visible=True,
        detailed=detailed,
    )
    if detailed:
        residents = {
            u.id: u
            for u in db.session.scalars(
                select(User).where(User.id.in_([r.resident_id for r in rows]))
            )
        }
        summary.responses = [
            (row, residents[row.resident_id].name if row.resident_id in residents else "")
            for row in rows
        ]
    return summary


def sessions_to_rate(resident, days: int = 14) -> list[Session]:
    """Recent sessions ``resident`` attended and has not rated yet, newest first."""
    from conferences.attendance.models import Attendance

    now = timeutil.now_utc()
    return list(
        db.session.scalars(
            select(Session)
            .join(Attendance, Attendance.session_id == Session.id)
            .where(
                Attendance.resident_id == resident.id,
                Attendance.mark.in_(ATTENDED_MARKS),
                Session.status == SessionStatus.SCHEDULED.value,
                Session.ends_at <= now,
                Session.ends_at > now - timedelta(days=days),
                ~exists().where(
                    Feedback.session_id == Session.id, Feedback.resident_id == resident.id
                ),
            )
            .order_by(Session.starts_at.desc())
        )
    )


# ---------------------------------------------------------------------------
# Reminders and the unfilled-slot nudge (run from cron)


def send_reminders() -> int:
    """Remind holders of sessions on the next ``reminder_days_before`` days. Idempotent.

    The dedupe key names the slot, the holder and the session's start, so running twice
    sends nothing new, while a moved session (or a new holder) gets a fresh reminder.
    """
    days = program.get_settings().reminder_days_before
    now = timeutil.now_utc()
    # Everything on the local days from today through today + N: a daily cron run at any
    # hour reminds people N days ahead.
    horizon = timeutil.day_bounds(timeutil.local_today() + timedelta(days=days))[1]
    slots = db.session.scalars(
        _upcoming_slots_query()
        .where(
            TeachingSlot.holder_id.is_not(None),
            Session.starts_at > now,
            Session.starts_at < horizon,
        )
        .order_by(Session.starts_at)
    ).unique()
    sent = 0
    for slot in slots:
        session = slot.session
        key = f"teaching-reminder:{slot.id}:{slot.holder_id}:{session.starts_at:%Y%m%dT%H%M}"
        talk = f'Talk: "{slot.talk_title}"\n' if slot.talk_title else ""
        message = mail.send(
            slot.holder,
            f"Reminder: you teach {session.title} on "
            f"{timeutil.format_local(session.starts_at, '%a %d %b at %H:%M')}",
            f"You are {slot.role_label.lower()} for\n{_describe(session)}.\n{talk}\n"
            f"Session page: {session_url(session)}\n",
            dedupe_key=key,
        )
        if message is not None:
            sent += 1
    return sent


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def nudge_unfilled(weeks: int = NUDGE_WEEKS) -> int:
    """E-mail faculty a digest of slots open to them, coordinators the urgent ones.

    One digest per person per ISO week (dedupe key), so cron may run it daily.
    """
    now = timeutil.now_utc()
    week = _iso_week(timeutil.local_today())
    slots = needs_teacher(weeks)
    if not slots:
        return 0
    sent = 0
    faculty_slots = [
        s for s in slots if s.eligibility in (Eligibility.FACULTY.value, Eligibility.BOTH.value)
    ]
    for person in _users_with_roles([Role.FACULTY]):
        mine = [s for s in faculty_slots if s.holder_id != person.id]
        if not mine:
            continue
        lines = [
            f"- {timeutil.format_local(s.session.starts_at, '%a %d %b %H:%M')}  "
            f"{s.session.title}: {s.role_label}" + (" (offered for swap)" if s.holder_id else "")
            for s in mine
        ]
        message = mail.send(
            person,
            f"{len(mine)} teaching slot(s) open in the next {weeks} weeks",
            "These teaching slots still need someone:\n\n"
            + "\n".join(lines)
            + f"\n\nSign up in one click: {public_url('/teaching/open')}\n",
            dedupe_key=f"teaching-nudge:{person.id}:{week}",
        )
        sent += message is not None
    urgent = [s for s in slots if s.holder_id is None and now >= release_cutoff(s.session)]
    if urgent:
        lines = [
            f"- {timeutil.format_local(s.session.starts_at, '%a %d %b %H:%M')}  "
            f"{s.session.title}: {s.role_label} (nobody)"
            for s in urgent
        ]
        for person in coordinators():
            message = mail.send(
                person,
                f"{len(urgent)} slot(s) inside the cut-off and still empty",
                "These slots are inside the release cut-off and nobody holds them:\n\n"
                + "\n".join(lines)
                + f"\n\nAssign someone: {public_url('/teaching/needs-teacher')}\n",
                dedupe_key=f"teaching-nudge-coordinator:{person.id}:{week}",
            )
            sent += message is not None
    return sent


# ---------------------------------------------------------------------------
# Reacting to schedule changes


def _on_session_changed(session, change: str = "", actor=None, **_extra) -> None:
    """Give new sessions their template's slots; tell holders when a session moves or ends."""
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
                f"{_describe(session)}.\n\n{session_url(session)}\n"
            )
        elif change == "restored":
            subject = f"Session back on: {session.title}"
            body = (
                f"The session where you are {slot.role_label.lower()} is back on the "
                f"schedule:\n{_describe(session)}.\n\n{session_url(session)}\n"
            )
        else:
            reason = f"\nReason: {session.cancel_reason}\n" if session.cancel_reason else ""
            subject = f"Session cancelled: {session.title}"
            body = (
                f"The session where you were {slot.role_label.lower()} is cancelled:\n"
                f"{_describe(session)}.\n{reason}\nYou do not need to prepare for it.\n"
            )
        mail.send(slot.holder, subject, body)


def _on_sessions_created(_sender, sessions=(), **_extra) -> None:
    """Give newly created sessions their series' template slots, in bulk."""
    ensure_slots_for_sessions(sessions)


session_changed.connect(_on_session_changed)
sessions_created.connect(_on_sessions_created)


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, label) for role, label in SLOT_ROLE_LABELS.items()]


ELIGIBILITY_LABELS = {
    Eligibility.FACULTY.value: "Faculty",
    Eligibility.RESIDENT.value: "Residents",
    Eligibility.BOTH.value: "Faculty or residents",
}


def eligibility_choices() -> list[tuple[str, str]]:
    return list(ELIGIBILITY_LABELS.items())
