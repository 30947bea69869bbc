"""Excusals: residents ask, coordinators decide (or grant directly); everyone is told.

An approved excusal takes effect through ``attendance.rules`` at read time, so it applies
to sessions already held as well as future ones. Nobody decides their own request, even a
chief resident who is also a coordinator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance.models import (
    EXCUSAL_REASON_LABELS,
    Excusal,
    ExcusalReason,
    ExcusalSession,
    RequestStatus,
)
from conferences.audit.services import record
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.notifications.services import send
from conferences.people.models import Role, User, UserRole
from conferences.schedule.audience import facts_for, in_audience
from conferences.schedule.models import Session, SessionStatus

MAX_RANGE_DAYS = 366


@dataclass
class ExcusalResult:
    excusal: Excusal
    # Required sessions of the resident's audience that the excusal covers.
    sessions: list[Session]

    @property
    def message(self) -> str:
        if not self.sessions:
            return "No required sessions fall in that period, so nothing is excused for now."
        return f"It covers {len(self.sessions)} required session(s)."


def _state(excusal: Excusal) -> dict:
    return {
        "resident_id": excusal.resident_id,
        "starts_on": excusal.starts_on.isoformat(),
        "ends_on": excusal.ends_on.isoformat(),
        "reason": excusal.reason,
        "note": excusal.note,
        "status": excusal.status,
        "session_ids": sorted(row.session_id for row in excusal.session_rows),
        "decision_comment": excusal.decision_comment,
    }


def _validate(
    resident: User,
    starts_on: date | None,
    ends_on: date | None,
    reason: str,
    session_ids: list[int] | None,
) -> tuple[date, date, list[Session]]:
    if not resident.is_resident:
        raise DomainError(f"{resident.name} is not a resident.")
    try:
        ExcusalReason(reason)
    except ValueError as error:
        raise DomainError("Choose a reason from the list.", field="reason") from error
    sessions: list[Session] = []
    if session_ids:
        sessions = list(
            db.session.scalars(
                select(Session).where(Session.id.in_(session_ids)).order_by(Session.starts_at)
            )
        )
        if len(sessions) != len(set(session_ids)):
            raise DomainError("One of the chosen sessions no longer exists.", field="sessions")
        days = [timeutil.local_date(s.starts_at) for s in sessions]
        return min(days), max(days), sessions
    if starts_on is None or ends_on is None:
        raise DomainError("Give the first and last day, or choose sessions.", field="starts_on")
    if ends_on < starts_on:
        raise DomainError("The last day is before the first day.", field="ends_on")
    if (ends_on - starts_on).days >= MAX_RANGE_DAYS:
        raise DomainError("An excusal covers at most a year.", field="ends_on")
    return starts_on, ends_on, sessions


class NeedsConfirmation(DomainError):
    """A request that repeats another or excuses nothing: sent only when the resident
    confirms, having read ``warnings``."""

    def __init__(self, warnings: list[str]):
        super().__init__(" ".join(warnings), field="confirm")
        self.warnings = warnings


def covered_sessions(excusal: Excusal) -> list[Session]:
    """Required, scheduled sessions of the resident's audience that ``excusal`` covers."""
    return _covered(
        excusal.resident,
        excusal.starts_on,
        excusal.ends_on,
        [row.session_id for row in excusal.session_rows],
    )


def _covered(resident: User, starts_on: date, ends_on: date, listed: list[int]) -> list[Session]:
    query = select(Session).where(
        Session.required.is_(True), Session.status != SessionStatus.CANCELLED.value
    )
    if listed:
        query = query.where(Session.id.in_(listed))
    else:
        first, last = timeutil.range_bounds(starts_on, ends_on)
        query = query.where(Session.starts_at >= first, Session.starts_at < last)
    facts = facts_for(resident)
    return [
        s for s in db.session.scalars(query.order_by(Session.starts_at)) if in_audience(s, facts)
    ]


def _coordinators() -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.COORDINATOR.value, User.active.is_(True))
            .order_by(User.name)
        )
    )


def describe(excusal: Excusal) -> str:
    first = excusal.starts_on.strftime("%a %d %b %Y")
    last = excusal.ends_on.strftime("%a %d %b %Y")
    period = first if first == last else f"{first} – {last}"
    if excusal.session_rows:
        period = f"{len(excusal.session_rows)} session(s), {period}"
    return f"{excusal.reason_label}, {period}"


def _create(
    resident: User,
    actor: User,
    starts_on: date | None,
    ends_on: date | None,
    reason: str,
    note: str,
    session_ids: list[int] | None,
    status: RequestStatus,
) -> ExcusalResult:
    first, last, sessions = _validate(resident, starts_on, ends_on, reason, session_ids)
    excusal = Excusal(
        resident_id=resident.id,
        resident=resident,
        starts_on=first,
        ends_on=last,
        reason=ExcusalReason(reason).value,
        note=(note or "").strip(),
        status=status.value,
        requested_by_id=actor.id,
    )
    excusal.session_rows = [ExcusalSession(session_id=s.id) for s in sessions]
    db.session.add(excusal)
    db.session.flush()
    return ExcusalResult(excusal, covered_sessions(excusal))


def _period(starts_on: date, ends_on: date) -> str:
    first = starts_on.strftime("%a %d %b %Y")
    last = ends_on.strftime("%a %d %b %Y")
    return first if first == last else f"{first} – {last}"


def request_warnings(
    resident: User,
    starts_on: date | None,
    ends_on: date | None,
    reason: str,
    session_ids: list[int] | None,
) -> list[str]:
    """What a resident should know before sending a request: another pending or approved
    request already covers some of the same days, or the request would excuse nothing."""
    first, last, sessions = _validate(resident, starts_on, ends_on, reason, session_ids)
    warnings = []
    overlapping = db.session.scalars(
        select(Excusal)
        .where(
            Excusal.resident_id == resident.id,
            Excusal.status.in_([RequestStatus.PENDING.value, RequestStatus.APPROVED.value]),
            Excusal.starts_on <= last,
            Excusal.ends_on >= first,
        )
        .order_by(Excusal.starts_on, Excusal.id)
    ).all()
    listed = {s.id for s in sessions}
    for other in overlapping:
        other_listed = {row.session_id for row in other.session_rows}
        if listed and other_listed and not listed & other_listed:
            continue  # different sessions on the same days
        days = _period(max(first, other.starts_on), min(last, other.ends_on))
        warnings.append(f"Your {other.status} request ({describe(other)}) already covers {days}.")
    if not _covered(resident, first, last, sorted(listed)):
        warnings.append(
            f"This request would excuse nothing: none of your required sessions falls in "
            f"{_period(first, last)}."
        )
    return warnings


def request_excusal(
    resident: User,
    *,
    actor: User,
    reason: str,
    note: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    session_ids: list[int] | None = None,
    confirm: bool = False,
) -> ExcusalResult:
    """A resident asks to be excused over a date range or from specific sessions.

    A request that repeats a pending or approved one, or excuses nothing, is sent only
    with ``confirm`` (else ``NeedsConfirmation`` says why)."""
    if actor.id != resident.id:
        raise NotAllowed("Residents ask for their own excusals; coordinators grant them directly.")
    if not confirm:
        warnings = request_warnings(resident, starts_on, ends_on, reason, session_ids)
        if warnings:
            raise NeedsConfirmation(warnings)
    result = _create(
        resident, actor, starts_on, ends_on, reason, note, session_ids, RequestStatus.PENDING
    )
    excusal = result.excusal
    record(actor, "excusal.request", excusal, after=_state(excusal))
    for coordinator in _coordinators():
        if coordinator.id == resident.id:
            continue
        send(
            coordinator,
            f"Excusal request from {resident.name}",
            f"{resident.name} asks to be excused: {describe(excusal)}.\n"
            f"{('Note: ' + excusal.note + chr(10)) if excusal.note else ''}"
            f"{result.message}\n\nDecide it in Program › Excusals (/excusals).",
        )
    return result


def grant_excusal(
    resident: User,
    *,
    actor: User,
    reason: str,
    note: str = "",
    comment: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    session_ids: list[int] | None = None,
) -> ExcusalResult:
    """A coordinator excuses a resident directly (approved at once)."""
    _check_decider(actor, resident)
    result = _create(
        resident, actor, starts_on, ends_on, reason, note, session_ids, RequestStatus.APPROVED
    )
    excusal = result.excusal
    excusal.decided_by_id = actor.id
    excusal.decided_at = timeutil.now_utc()
    excusal.decision_comment = (comment or "").strip()
    db.session.flush()
    record(actor, "excusal.grant", excusal, after=_state(excusal))
    send(
        resident,
        "You have been excused",
        f"{actor.name} excused you: {describe(excusal)}.\n{result.message}"
        + (f"\nComment: {excusal.decision_comment}" if excusal.decision_comment else ""),
    )
    return result


def _check_decider(actor: User, resident: User) -> None:
    if not actor.is_coordinator:
        raise NotAllowed("Only coordinators decide excusals.")
    if actor.id == resident.id:
        raise NotAllowed("You cannot approve or grant your own excusal; another coordinator must.")


def decide_excusal(excusal: Excusal, *, actor: User, approve: bool, comment: str = "") -> Excusal:
    """Approve or deny a pending request, with a comment; the resident is told."""
    _check_decider(actor, excusal.resident)
    if excusal.status != RequestStatus.PENDING.value:
        raise Conflict(f"This request was already {excusal.status}.")
    comment = (comment or "").strip()
    if not approve and not comment:
        raise DomainError("Say why the request is denied.", field="comment")
    before = _state(excusal)
    excusal.status = (RequestStatus.APPROVED if approve else RequestStatus.DENIED).value
    excusal.decided_by_id = actor.id
    excusal.decided_at = timeutil.now_utc()
    excusal.decision_comment = comment
    db.session.flush()
    record(
        actor,
        "excusal.approve" if approve else "excusal.deny",
        excusal,
        before=before,
        after=_state(excusal),
    )
    verdict = "approved" if approve else "denied"
    send(
        excusal.resident,
        f"Your excusal request was {verdict}",
        f"{actor.name} {verdict} your request: {describe(excusal)}."
        + (f"\nComment: {comment}" if comment else ""),
    )
    return excusal


def withdraw_excusal(excusal: Excusal, *, actor: User) -> Excusal:
    """The resident takes back a request that is still pending."""
    if actor.id != excusal.resident_id:
        raise NotAllowed("Only the resident who asked can withdraw a request.")
    if excusal.status != RequestStatus.PENDING.value:
        raise Conflict(f"This request was already {excusal.status}.")
    before = _state(excusal)
    excusal.status = RequestStatus.WITHDRAWN.value
    db.session.flush()
    record(actor, "excusal.withdraw", excusal, before=before, after=_state(excusal))
    return excusal


def revoke_excusal(excusal: Excusal, *, actor: User, comment: str) -> Excusal:
    """A coordinator withdraws an approved excusal (the sessions count again)."""
    _check_decider(actor, excusal.resident)
    if excusal.status != RequestStatus.APPROVED.value:
        raise Conflict("Only approved excusals can be revoked.")
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("Say why the excusal is revoked.", field="comment")
    before = _state(excusal)
    excusal.status = RequestStatus.WITHDRAWN.value
    excusal.decided_by_id = actor.id
    excusal.decided_at = timeutil.now_utc()
    excusal.decision_comment = comment
    db.session.flush()
    record(actor, "excusal.revoke", excusal, before=before, after=_state(excusal))
    send(
        excusal.resident,
        "An excusal was revoked",
        f"{actor.name} revoked your excusal: {describe(excusal)}.\nComment: {comment}",
    )
    return excusal


def pending_excusals() -> list[Excusal]:
    return list(
        db.session.scalars(
            select(Excusal)
            .where(Excusal.status == RequestStatus.PENDING.value)
            .order_by(Excusal.created_at, Excusal.id)
        )
    )


def recent_decisions(limit: int = 30) -> list[Excusal]:
    return list(
        db.session.scalars(
            select(Excusal)
            .where(Excusal.status != RequestStatus.PENDING.value)
            .order_by(Excusal.decided_at.desc().nulls_last(), Excusal.id.desc())
            .limit(limit)
        )
    )


def excusals_of(resident: User, start_on: date | None = None, end_on: date | None = None):
    query = select(Excusal).where(Excusal.resident_id == resident.id)
    if start_on is not None and end_on is not None:
        query = query.where(Excusal.starts_on <= end_on, Excusal.ends_on >= start_on)
    return list(db.session.scalars(query.order_by(Excusal.starts_on.desc(), Excusal.id.desc())))


def reason_choices() -> list[tuple[str, str]]:
    return [(reason.value, label) for reason, label in EXCUSAL_REASON_LABELS.items()]
