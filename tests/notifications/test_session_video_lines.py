"""E-mails that give a session's details carry its meeting link as a line
("Join by video: <link>", the session's own link, else its series'): short-notice change
alerts to residents, teaching reminders, sign-up, assignment and moved/back-on notices to
presenters. Cancelled and removed sessions, and sessions without a link, get no such line."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from conferences import timeutil
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.schedule import session_changes
from conferences.teaching.handover import assign_slot, claim_slot
from conferences.teaching.models import TeachingSlot
from conferences.teaching.reminders import send_reminders

SERIES_LINK = "https://zoom.example.com/j/777000222"
OWN_LINK = "https://teams.example.com/l/own-meeting"
LINE = f"Join by video: {SERIES_LINK}"


def _bodies(to) -> list[str]:
    return list(
        db.session.scalars(
            select(OutboxMessage.body)
            .where(OutboxMessage.recipient_id == to.id)
            .order_by(OutboxMessage.id)
        )
    )


@pytest.fixture
def hybrid_series(make_series):
    return make_series(video_url=SERIES_LINK)


def _slot(session, holder=None) -> TeachingSlot:
    slot = TeachingSlot(
        session_id=session.id,
        role="lecturer",
        eligibility="faculty",
        holder_id=holder.id if holder else None,
    )
    db.session.add(slot)
    db.session.flush()
    return slot


def test_change_alerts_give_the_link_of_a_session_still_on(
    clock, make_user, make_resident, make_session, hybrid_series
):
    coordinator = make_user(roles=("coordinator",))
    resident = make_resident(pgy=1)
    starts_at = clock() + timedelta(hours=3)
    on_video = make_session(
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        series_id=hybrid_series.id,
        room="Room 1",
        title="Hybrid Noon",
    )
    plain = make_session(
        starts_at=starts_at + timedelta(hours=2),
        ends_at=starts_at + timedelta(hours=3),
        room="Room 2",
        title="Room Only",
    )
    db.session.commit()

    session_changes.update_session(on_video, {"room": "Auditorium"}, coordinator)
    db.session.commit()
    [room_change] = _bodies(resident)
    assert f"  {LINE}\n" in room_change
    # The link comes right after the session's line, before its page.
    assert room_change.index("NEW ROOM: Hybrid Noon") < room_change.index(LINE)

    session_changes.update_session(plain, {"room": "Auditorium"}, coordinator)
    db.session.commit()
    assert "Join by video" not in _bodies(resident)[-1]

    session_changes.cancel_session(on_video, "Speaker ill", coordinator)
    db.session.commit()
    cancelled = _bodies(resident)[-1]
    assert "CANCELLED: Hybrid Noon" in cancelled
    assert "Join by video" not in cancelled


def test_teaching_mails_give_the_link(clock, make_user, make_session, hybrid_series):
    faculty = make_user(roles=("faculty",), name="Fay Faculty")
    other = make_user(roles=("faculty",), name="Olaf Other")
    coordinator = make_user(roles=("coordinator",))
    inherited = make_session(on=date(2026, 11, 6), series_id=hybrid_series.id)
    own = make_session(on=date(2026, 11, 20), video_url=OWN_LINK)
    plain = make_session(on=date(2026, 11, 21))
    soon_slot = _slot(inherited, holder=faculty)
    own_slot, plain_slot = _slot(own), _slot(plain)
    db.session.commit()

    # The reminder (two days ahead) to the holder.
    assert send_reminders() == 1
    [reminder] = _bodies(faculty)
    assert f"\n{LINE}\n" in reminder

    # Signing up and being assigned: the session's own link, or none.
    claim_slot(own_slot, other)
    assign_slot(plain_slot, other, coordinator)
    signed_up, assigned = _bodies(other)
    assert f"\nJoin by video: {OWN_LINK}\n" in signed_up
    assert SERIES_LINK not in signed_up
    assert "Join by video" not in assigned

    # Moved: the presenter hears the new time with the link.
    session_changes.move_session(
        inherited, date(2026, 11, 9), time(12, 0), time(13, 0), coordinator
    )
    db.session.flush()
    moved = _bodies(faculty)[-1]
    assert "was moved" in moved
    assert f"\n{LINE}\n" in moved
    assert soon_slot.session_id == inherited.id
    assert timeutil.local_date(inherited.starts_at) == date(2026, 11, 9)
