"""Recordings and asynchronous credit.

A coordinator adds a recording link to a session that has ended. A resident who was
expected there and did not attend may claim "I watched the recording" with a short
attestation, within the academic year's window (``hybrid``: 180 days by default). The
year's rules say whether a coordinator approves each claim and whether a watched
recording counts as attended: an accepted claim records the resident's mark as present,
taken by recording (``Mode.RECORDING``); ``rules.decide`` counts it only when the year
does. Every claim and decision is in the audit trail and the attendance trail.

Services never commit; the caller does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from conferences import timeutil
from conferences.attendance import claim_decisions, hybrid, rules
from conferences.attendance.marks import ATTENDED_MARKS, mark_row
from conferences.attendance.models import ClaimColumns, Mode, RequestStatus
from conferences.audit.services import record
from conferences.dbtypes import UTCDateTime
from conferences.errors import Conflict, DomainError
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Session
from conferences.schedule.video import video_url_problem

MAX_ATTESTATION = 500


class SessionRecording(db.Model):
    """The recording of a session: a link to the video platform, a file kept by the app's
    storage (``file_key``; the materials layer stores the bytes and describes the file), or
    both."""

    __tablename__ = "session_recordings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), unique=True
    )
    url: Mapped[str] = mapped_column(String(500), default="")
    file_key: Mapped[str | None] = mapped_column(String(200), default=None)
    added_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)


class RecordingClaim(ClaimColumns, db.Model):
    """ "I watched the recording", with an attestation; approved, denied or accepted."""

    __tablename__ = "recording_claims"
    statement_column = "attestation"

    attestation: Mapped[str] = mapped_column(Text)


# --------------------------------------------------------------------------- recordings


def recording_of(session: Session) -> SessionRecording | None:
    return db.session.scalar(
        select(SessionRecording).where(SessionRecording.session_id == session.id)
    )


def set_recording(
    session: Session, url: str, actor: User, at: datetime | None = None
) -> SessionRecording:
    """Add or replace the recording link of a session that has ended (https only)."""
    at = at or timeutil.now_utc()
    url = (url or "").strip()
    if not url:
        raise DomainError("Paste the link to the recording.", field="url")
    problem = video_url_problem(url)
    if problem:
        raise DomainError(problem.replace("meeting link", "recording link"), field="url")
    problem = recording_problem(session, at)
    if problem:
        raise Conflict(problem)
    found = recording_of(session)
    before = {"url": found.url} if found else None
    if found is None:
        found = SessionRecording(session_id=session.id, url=url, added_by_id=actor.id, added_at=at)
        db.session.add(found)
    else:
        found.url, found.added_by_id, found.added_at = url, actor.id, at
    db.session.flush()
    record(actor, "recording.set", found, before=before, after={"url": url})
    return found


def recording_problem(session: Session, at: datetime | None = None) -> str | None:
    """Why ``session`` cannot be given a recording now (None: it can)."""
    if session.is_cancelled:
        return "This session was cancelled: it has no recording."
    if (at or timeutil.now_utc()) < session.ends_at:
        return "A recording can be added once the session has ended."
    return None


def set_recording_file(
    session: Session, key: str, actor: User, at: datetime | None = None
) -> tuple[SessionRecording, str | None]:
    """Make the stored file ``key`` the session's recording (kept beside any link).
    Returns the recording and the key of the file it replaces, if any."""
    at = at or timeutil.now_utc()
    problem = recording_problem(session, at)
    if problem:
        raise Conflict(problem)
    found = recording_of(session)
    replaced = found.file_key if found else None
    if found is None:
        found = SessionRecording(session_id=session.id, file_key=key, added_by_id=actor.id)
        db.session.add(found)
    found.file_key, found.added_by_id, found.added_at = key, actor.id, at
    db.session.flush()
    record(
        actor, "recording.file_set", found, before={"file_key": replaced}, after={"file_key": key}
    )
    return found, replaced


# --------------------------------------------------------------------------- claims


KIND = claim_decisions.ClaimKind(
    audit_name="recording_claim",
    mail_subject="Recording claim",
    dedupe_prefix="recording-claim",
    max_comment=500,
    mail_opening=lambda title, day: f"Your claim to have watched the recording of {title} on {day}",
    approval_reason=lambda claim, comment: f"Recording claim approved: {claim.attestation}",
    mode=Mode.RECORDING.value,
    noun="recording claim",
    already_text="You already claimed the recording of this session.",
)


def claim_deadline(session: Session) -> datetime:
    days = hybrid.rules_on(timeutil.local_date(session.starts_at)).recording_window_days
    return session.ends_at + timedelta(days=days)


def claim_of(session: Session, resident: User) -> RecordingClaim | None:
    return claim_decisions.claim_of(RecordingClaim, session, resident)


def claim_problem(session: Session, resident: User, at: datetime | None = None) -> str | None:
    """Why ``resident`` cannot claim the recording of ``session`` now (None: they can)."""
    at = at or timeutil.now_utc()
    if not resident.is_resident:
        return "Only residents claim credit for a recording."
    if session.is_cancelled:
        return "This session was cancelled."
    if recording_of(session) is None:
        return "This session has no recording yet."
    if at < session.ends_at:
        return "You can claim the recording once the session has ended."
    if at > claim_deadline(session):
        days = hybrid.rules_on(timeutil.local_date(session.starts_at)).recording_window_days
        return f"Recordings can be claimed up to {days} days after the session; this one is closed."
    problem = claim_decisions.existing_claim_problem(claim_of(session, resident), KIND)
    if problem:
        return problem
    row = mark_row(session.id, resident.id)
    if row is not None and row.mark in ATTENDED_MARKS:
        return "You are already marked as attending this session."
    status = rules.resident_status(session, resident, at).status
    if status != rules.Status.MISSED:
        return "Recording credit is for required sessions you were expected at and missed."
    return None


def file_claim(
    session: Session, resident: User, attestation: str, at: datetime | None = None
) -> RecordingClaim:
    """File "I watched the recording"; accepted at once when the year needs no approval."""
    at = at or timeutil.now_utc()
    attestation = " ".join((attestation or "").split())
    if not attestation:
        raise DomainError(
            "Say briefly what you watched (an attestation is required).", field="attestation"
        )
    if len(attestation) > MAX_ATTESTATION:
        raise DomainError(f"Keep it under {MAX_ATTESTATION} characters.", field="attestation")
    problem = claim_problem(session, resident, at)
    if problem:
        raise Conflict(problem)
    claim = RecordingClaim(
        session_id=session.id, resident_id=resident.id, attestation=attestation, created_at=at
    )
    db.session.add(claim)
    db.session.flush()
    record(resident, "recording_claim.filed", claim, after={"attestation": attestation})
    if not hybrid.rules_on(timeutil.local_date(session.starts_at)).recording_needs_approval:
        claim.status = RequestStatus.APPROVED.value
        claim.decided_at = at
        claim.decision_comment = "Accepted without approval (the program's rule for the year)."
        claim_decisions.credit(
            claim, KIND, actor_id=resident.id, reason=f"Watched the recording: {attestation}", at=at
        )
        record(resident, "recording_claim.accepted", claim, after={"status": claim.status})
    db.session.flush()
    return claim


def pending_claims() -> list[RecordingClaim]:
    return claim_decisions.pending(RecordingClaim)


def decide_claim(
    claim: RecordingClaim,
    *,
    approve: bool,
    actor: User,
    comment: str = "",
    at: datetime | None = None,
) -> RecordingClaim:
    """Approve (the resident is recorded present by recording) or deny (comment required)."""
    return claim_decisions.decide(claim, KIND, approve=approve, actor=actor, comment=comment, at=at)
