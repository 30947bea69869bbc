"""Claims of "I attended": a resident who could not check in says so, a coordinator decides."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.attendance import claim_decisions
from conferences.attendance.marks import ATTENDED_MARKS, checkin_settings, mark_row
from conferences.attendance.models import AttendanceClaim
from conferences.errors import Conflict, DomainError
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Session


def _approval_reason(claim: AttendanceClaim, comment: str) -> str:
    reason = f"Claim approved: {claim.note}"
    return reason + f" ({comment})" if comment else reason


KIND = claim_decisions.ClaimKind(
    audit_name="attendance_claim",
    mail_subject="Attendance claim",
    dedupe_prefix="attendance-claim",
    max_comment=1000,
    mail_opening=lambda title, day: f'Your "I attended" claim for {title} on {day}',
    approval_reason=_approval_reason,
    approved_note="It now counts as present.",
)


def claim_deadline(session: Session, settings=None) -> datetime:
    settings = settings or checkin_settings()
    return session.ends_at + timedelta(days=settings.claim_window_days)


def claim_of(session: Session, resident: User) -> AttendanceClaim | None:
    return claim_decisions.claim_of(AttendanceClaim, session, resident)


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
    return claim_decisions.existing_claim_problem(claim_of(session, resident), KIND)


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
    return claim_decisions.pending(AttendanceClaim)


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
    return claim_decisions.decide(claim, KIND, approve=approve, actor=actor, comment=comment, at=at)
