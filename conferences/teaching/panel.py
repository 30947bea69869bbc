"""The teaching panel of a session page: its slots and feedback as one person sees them."""

from __future__ import annotations

from dataclasses import dataclass

from conferences import timeutil
from conferences.people.policy import can
from conferences.schedule.models import Session
from conferences.teaching.eligibility import is_eligible
from conferences.teaching.feedback import FeedbackSummary, feedback_refusal, feedback_summary
from conferences.teaching.handover import can_release_now, is_past
from conferences.teaching.models import TeachingSlot
from conferences.teaching.queries import slots_by_session


@dataclass
class PanelSlot:
    slot: TeachingSlot
    mine: bool
    can_claim: bool
    can_release: bool
    can_request_release: bool
    can_edit_talk: bool


@dataclass
class SessionPanel:
    session: Session
    slots: list[PanelSlot]
    manage: bool
    feedback: FeedbackSummary | None
    feedback_refusal: str | None
    show_feedback_link: bool


def session_panel(session: Session, user) -> SessionPanel:
    """What the session page's teaching panel shows to ``user`` (None: not signed in)."""
    slots = slots_by_session([session.id]).get(session.id, [])
    bookable = not session.is_cancelled and not is_past(session)
    rows = []
    for slot in slots:
        mine = user is not None and slot.holder_id == user.id
        release_ok = mine and bookable and can_release_now(slot)
        rows.append(
            PanelSlot(
                slot=slot,
                mine=mine,
                can_claim=bool(
                    user is not None
                    and bookable
                    and slot.is_open
                    and not mine
                    and is_eligible(user, slot)
                ),
                can_release=release_ok,
                can_request_release=bool(
                    mine and bookable and not release_ok and slot.release_requested_at is None
                ),
                can_edit_talk=bool(user is not None and can("edit_talk", slot, user)),
            )
        )
    feedback = None
    refusal = None
    show_link = False
    if session.ends_at <= timeutil.now_utc() and not session.is_cancelled and user is not None:
        if user.is_coordinator or any(r.mine for r in rows):
            feedback = feedback_summary(session, user)
        if user.is_resident:
            refusal = feedback_refusal(user, session)
            show_link = refusal is None
    return SessionPanel(
        session=session,
        slots=rows,
        manage=user is not None and can("manage_teaching", None, user),
        feedback=feedback,
        feedback_refusal=refusal,
        show_feedback_link=show_link,
    )
