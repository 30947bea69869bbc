"""Claims of "I attended": a resident who could not check in says so, a coordinator decides."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.attendance.marks import (
    ATTENDED_MARKS,
    OWN_ATTENDANCE,
    checkin_settings,
    mark_row,
    set_marks,
)
from conferences.attendance.models import (
    AttendanceClaim,
    Mark,
    RequestStatus,
    Source,
)
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.notifications.services import send
from conferences.people.models import User
from conferences.schedule.models import Session


def claim_deadline(session: Session, settings=None) -> datetime:
    settings = settings or checkin_settings()
    return session.ends_at + timedelta(days=settings.claim_window_days)


def claim_of(session: Session, resident: User) -> AttendanceClaim | None:
    return db.session.scalar(
        select(AttendanceClaim).where(
            AttendanceClaim.session_id == session.id, AttendanceClaim.resident_id == resident.id
        )
    )


def claim_problem(session: Session, resident: User, at: datetime | None = None) -> str | None:
    """Why ``resident`` cannot file an "I attended" claim for ``session`` now (None: they can)."""
    at = at or timeutil.now_utc()
    if not resident.is_resident:
        return "Only residents file attendance claims."
    if session.is_cancelled:
        return "This session was cancelled."
    if at < session.starts_at:
        return "You can say you attended once the session has started."
    if at > claim_deadline(session):
        days = checkin_settings().claim_window_days
        return f"Claims are accepted up to {days} days after the session; this one is closed."
    row = mark_row(session.id, resident.id)
    if row is not None and row.mark in ATTENDED_MARKS:
        return "You are already marked as attending this session."
    existing = claim_of(session, resident)
    if existing is not None:
        if existing.status == RequestStatus.PENDING.value:
            return "Your claim for this session is waiting for a coordinator."
        if existing.status == RequestStatus.DENIED.value:
            return "Your claim for this session was denied."
        return "You already filed a claim for this session."
    return None


def file_claim(
    session: Session, resident: User, note: str, at: datetime | None = None
) -> AttendanceClaim:
    """File "I was there but could not check in" with a note."""
    at = at or timeutil.now_utc()
    note = (note or "").strip()
    if not note:
        raise DomainError("Say briefly why you could not check in.", field="note")
    if len(note) > 1000:
        raise DomainError("Keep the note under 1000 characters.", field="note")
    problem = claim_problem(session, resident, at)
    if problem:
        raise Conflict(problem)
    claim = AttendanceClaim(
        session_id=session.id, resident_id=resident.id, note=note, created_at=at
    )
    db.session.add(claim)
    db.session.flush()
    return claim


def pending_claims() -> list[AttendanceClaim]:
    return list(
        db.session.scalars(
            select(AttendanceClaim)
            .options(joinedload(AttendanceClaim.session), joinedload(AttendanceClaim.resident))
            .where(AttendanceClaim.status == RequestStatus.PENDING.value)
            .order_by(AttendanceClaim.created_at)
        )
    )


def claims_of_resident(resident_id: int) -> list[AttendanceClaim]:
    return list(
        db.session.scalars(
            select(AttendanceClaim)
            .options(joinedload(AttendanceClaim.session))
            .where(AttendanceClaim.resident_id == resident_id)
            .order_by(AttendanceClaim.created_at.desc())
        )
    )


def decide_claim(
    claim: AttendanceClaim,
    *,
    approve: bool,
    actor: User,
    comment: str = "",
    at: datetime | None = None,
) -> AttendanceClaim:
    """Approve (the resident is marked present, source "claim") or deny (comment required)."""
    at = at or timeutil.now_utc()
    comment = (comment or "").strip()
    if claim.resident_id == actor.id:
        raise NotAllowed(OWN_ATTENDANCE)
    if claim.status != RequestStatus.PENDING.value:
        raise Conflict("This claim was already decided.")
    if not approve and not comment:
        raise DomainError("Say why the claim is denied.", field="comment")
    claim.status = (RequestStatus.APPROVED if approve else RequestStatus.DENIED).value
    claim.decided_by_id = actor.id
    claim.decided_at = at
    claim.decision_comment = comment
    session = claim.session
    if approve:
        reason = f"Claim approved: {claim.note}"
        if comment:
            reason += f" ({comment})"
        set_marks(
            session,
            [claim.resident_id],
            Mark.PRESENT.value,
            actor=actor,
            reason=reason[:500],
            source=Source.CLAIM.value,
            at=at,
        )
    day = timeutil.format_local(session.starts_at, "%a %d %b %Y")
    verdict = "approved" if approve else "denied"
    body = f'Your "I attended" claim for {session.title} on {day} was {verdict} by {actor.name}.'
    if approve:
        body += " It now counts as present."
    if comment:
        body += f"\n\nComment: {comment}"
    send(
        claim.resident,
        f"Attendance claim {verdict}: {session.title}",
        body,
        dedupe_key=f"attendance-claim-{claim.id}-{verdict}",
    )
    db.session.flush()
    return claim
