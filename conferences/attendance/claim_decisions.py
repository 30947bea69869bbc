"""One mechanism for a resident's claims about a session and a coordinator's decision on
them: "I attended" (``claims``) and "I watched the recording" (``recordings``).

A ``ClaimKind`` says what differs between the kinds (wording, how an approval is recorded
on the attendance row); the state checks, the audit event, the attendance trail and the
mail to the resident are written once, here. Services never commit; the caller does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.attendance.marks import OWN_ATTENDANCE, write_mark
from conferences.attendance.models import Mark, RequestStatus, Source
from conferences.audit.services import record
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.notifications.services import send
from conferences.people.models import User
from conferences.schedule.models import Session

Claim = TypeVar("Claim", bound=Any)


@dataclass(frozen=True)
class ClaimKind:
    """What one kind of claim says and records; the rest is shared."""

    audit_name: str  # audit actions "<audit_name>.approved" / ".denied"
    mail_subject: str  # "Attendance claim" -> "Attendance claim approved: <title>"
    dedupe_prefix: str  # the outbox's dedupe key: "<prefix>-<id>-<verdict>"
    max_comment: int
    # The mail's first sentence up to "was approved/denied": gets the title and the day.
    mail_opening: Callable[[str, str], str]
    # The reason written in the attendance trail when the claim is approved.
    approval_reason: Callable[[Any, str], str]
    # How the resident took part once approved (None: the row's mode is left as it is).
    mode: str | None = None
    approved_note: str = ""  # a sentence added to the mail when approved
    # What the existing-claim checks say: "Your <noun> for this session is waiting ...".
    noun: str = "claim"
    already_text: str = "You already filed a claim for this session."


def claim_of(model: type[Claim], session: Session, resident: User) -> Claim | None:
    """The resident's claim of this kind for ``session``, if any (one per session)."""
    return db.session.scalar(
        select(model).where(model.session_id == session.id, model.resident_id == resident.id)
    )


def existing_claim_problem(existing, kind: ClaimKind) -> str | None:
    """Why a resident cannot file again, given their earlier claim (None: there is none)."""
    if existing is None:
        return None
    if existing.status == RequestStatus.PENDING.value:
        return f"Your {kind.noun} for this session is waiting for a coordinator."
    if existing.status == RequestStatus.DENIED.value:
        return f"Your {kind.noun} for this session was denied."
    return kind.already_text


def pending(model: type[Claim]) -> list[Claim]:
    """Claims of this kind waiting for a coordinator, oldest first."""
    return list(
        db.session.scalars(
            select(model)
            .options(joinedload(model.session), joinedload(model.resident))
            .where(model.status == RequestStatus.PENDING.value)
            .order_by(model.created_at)
        )
    )


def credit(claim, kind: ClaimKind, *, actor_id: int, reason: str, at: datetime) -> None:
    """Record the claim's resident present at its session (the attendance row and its trail)."""
    write_mark(
        claim.session_id,
        claim.resident_id,
        Mark.PRESENT.value,
        actor_id=actor_id,
        at=at,
        source=Source.CLAIM.value,
        reason=reason[:500],
        mode=kind.mode,
    )


def decide(
    claim: Claim,
    kind: ClaimKind,
    *,
    approve: bool,
    actor: User,
    comment: str = "",
    at: datetime | None = None,
) -> Claim:
    """Approve (the resident is recorded present, source "claim") or deny (a comment is
    required); not one's own claim, only a pending one. Audited, written to the attendance
    trail when approved, and mailed to the resident."""
    at = at or timeutil.now_utc()
    comment = (comment or "").strip()
    if claim.resident_id == actor.id:
        raise NotAllowed(OWN_ATTENDANCE)
    if claim.status != RequestStatus.PENDING.value:
        raise Conflict("This claim was already decided.")
    if not approve and not comment:
        raise DomainError("Say why the claim is denied.", field="comment")
    if len(comment) > kind.max_comment:
        raise DomainError(f"Keep the comment under {kind.max_comment} characters.", field="comment")
    claim.status = (RequestStatus.APPROVED if approve else RequestStatus.DENIED).value
    claim.decided_by_id = actor.id
    claim.decided_at = at
    claim.decision_comment = comment
    session = claim.session
    if approve:
        credit(claim, kind, actor_id=actor.id, reason=kind.approval_reason(claim, comment), at=at)
    verdict = "approved" if approve else "denied"
    record(
        actor,
        f"{kind.audit_name}.{verdict}",
        claim,
        after={"status": claim.status, "comment": comment},
    )
    day = timeutil.format_local(session.starts_at, "%a %d %b %Y")
    body = f"{kind.mail_opening(session.title, day)} was {verdict} by {actor.name}."
    if approve and kind.approved_note:
        body += " " + kind.approved_note
    if comment:
        body += f"\n\nComment: {comment}"
    send(
        claim.resident,
        f"{kind.mail_subject} {verdict}: {session.title}",
        body,
        dedupe_key=f"{kind.dedupe_prefix}-{claim.id}-{verdict}",
    )
    db.session.flush()
    return claim
