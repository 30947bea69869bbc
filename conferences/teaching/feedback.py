"""Residents' feedback on sessions they attended, and who may see it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from conferences import timeutil
from conferences.attendance import queries as attendance
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Session, SessionStatus
from conferences.teaching.models import Feedback
from conferences.teaching.queries import holds_slot_on

# Presenters see feedback on their sessions only once this many residents have responded.
FEEDBACK_ANONYMITY_THRESHOLD = 3


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
    if not attendance.was_in_room(resident, session):
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
    now = timeutil.now_utc()
    return list(
        db.session.scalars(
            select(Session)
            .where(
                Session.id.in_(attendance.sessions_in_room(resident)),
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
