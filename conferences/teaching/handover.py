"""Who holds a slot: claiming, releasing, swapping, assigning, and the talk's details.

Every change to who holds a slot or what the talk is calls ``touch_session(session)`` so
calendar feeds (which show presenters) see a new revision. Claims are one conditional
UPDATE: the database, not a check-then-write, decides who wins a race.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import and_, update

from conferences import timeutil
from conferences.config import public_url
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.notifications import services as mail
from conferences.people.models import User
from conferences.program import services as program
from conferences.schedule.bookkeeping import touch_session
from conferences.schedule.models import Session
from conferences.teaching.eligibility import is_eligible
from conferences.teaching.models import TeachingSlot
from conferences.teaching.notices import describe, join_line, notify_coordinators, session_url


def release_cutoff(session: Session) -> datetime:
    """The last instant a holder may release a slot on ``session`` themselves."""
    days = program.get_settings().release_cutoff_days
    return session.starts_at - timedelta(days=days)


def can_release_now(slot: TeachingSlot) -> bool:
    return timeutil.now_utc() < release_cutoff(slot.session)


def is_past(session: Session) -> bool:
    return session.starts_at <= timeutil.now_utc()


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


def _bookable(session: Session) -> None:
    if session.is_cancelled:
        raise Conflict("This session is cancelled; its slots cannot be taken.")
    if is_past(session):
        raise Conflict("This session has already started; its slots can no longer be taken.")


def _hand_over(slot: TeachingSlot, holder_id: int | None, still_as_read) -> bool:
    """Give ``slot`` to ``holder_id`` (None: to nobody) in one conditional UPDATE, with a
    fresh talk.

    ``still_as_read`` restates what the caller saw (open, or held by someone); the database
    applies the change only if that is still true, so of two racing requests one wins.
    """
    now = timeutil.now_utc()
    result = db.session.execute(
        update(TeachingSlot)
        .where(TeachingSlot.id == slot.id, still_as_read)
        .values(
            holder_id=holder_id,
            claimed_at=None if holder_id is None else now,
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
    touch_session(session)
    mail.send(
        user,
        f"You are teaching: {session.title}",
        f"You signed up as {slot.role_label.lower()} for\n{describe(session)}.\n"
        f"{join_line(session)}\n"
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
                f"{describe(session)}.\nYou no longer teach at this session.\n",
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
        f"You are no longer {slot.role_label.lower()} for\n{describe(session)}.\n",
    )
    notify_coordinators(
        f"Slot released: {session.title} ({timeutil.format_local(session.starts_at, '%d %b')})",
        f"{actor.name} released the {slot.role_label.lower()} slot on\n{describe(session)}.\n"
        f"It is open again.\n\n{public_url('/teaching/needs-teacher')}\n",
        skip=actor,
    )


def _vacate(slot: TeachingSlot, *, expected_holder: int | None) -> None:
    """Empty the slot, provided it is still held by ``expected_holder``."""
    condition = (
        TeachingSlot.holder_id.is_(None)
        if expected_holder is None
        else TeachingSlot.holder_id == expected_holder
    )
    if not _hand_over(slot, None, condition):
        raise Conflict("This slot changed a moment ago. Reload the page and try again.")
    db.session.refresh(slot)
    touch_session(slot.session)


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
    notify_coordinators(
        f"Release requested: {session.title}",
        f"{actor.name} asks to be released as {slot.role_label.lower()} on\n"
        f"{describe(session)}.\n\nNote: {slot.release_request_note or '(none)'}\n\n"
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
            f"{describe(slot.session)}.\nPlease contact the program office.\n",
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
    touch_session(slot.session)
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
    touch_session(session)
    mail.send(
        person,
        f"You were assigned to teach: {session.title}",
        f"{actor.name} assigned you as {slot.role_label.lower()} for\n{describe(session)}.\n"
        f"{join_line(session)}\n"
        f"Add your talk title and materials here: {session_url(session)}\n",
    )
    if previous_id is not None:
        previous = db.session.get(User, previous_id)
        if previous is not None:
            mail.send(
                previous,
                f"You were released from teaching: {session.title}",
                f"{actor.name} gave the {slot.role_label.lower()} slot you held on\n"
                f"{describe(session)} to {person.name}.\nYou no longer teach at this session.\n",
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
        f"{describe(slot.session)}.\nYou no longer teach at this session.\n",
    )
