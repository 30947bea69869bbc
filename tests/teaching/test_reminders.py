"""Reminders and the unfilled-slot nudge: sent once, from the CLI, with an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.teaching.handover import assign_slot
from conferences.teaching.reminders import nudge_unfilled, send_reminders


def messages() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_send_reminders_is_idempotent(
    clock, runner, faculty, other_faculty, make_session, make_slot
):
    # Reminder window: 2 days (default). Clock: Wed 2026-11-04 15:00 UTC.
    soon = make_slot(session=make_session(on=date(2026, 11, 6)), holder=faculty)
    make_slot(session=make_session(on=date(2026, 11, 20)), holder=other_faculty)  # too far
    make_slot(session=make_session(on=date(2026, 11, 5)))  # open: nobody to remind
    db.session.commit()

    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "1 reminder(s) sent" in result.output
    again = runner.invoke(args=["send-reminders"])
    assert "0 reminder(s) sent" in again.output
    db.session.expire_all()
    [reminder] = messages()
    assert reminder.to_email == faculty.email
    assert reminder.subject.startswith("Reminder: you teach")
    assert reminder.dedupe_key.startswith(f"teaching-reminder:{soon.id}:")

    # Later the same day: still nothing new.
    clock.advance(hours=6)
    assert send_reminders() == 0


def test_moved_session_and_new_holder_get_fresh_reminders(
    clock, faculty, other_faculty, make_session, make_slot, coordinator
):
    slot = make_slot(session=make_session(on=date(2026, 11, 6)), holder=faculty)
    assert send_reminders() == 1
    # The session moves by an hour: the reminder names the new time.
    slot.session.starts_at = slot.session.starts_at.replace(hour=slot.session.starts_at.hour + 1)
    slot.session.ends_at = slot.session.ends_at.replace(hour=slot.session.ends_at.hour + 1)
    db.session.flush()
    assert send_reminders() == 1
    assign_slot(slot, other_faculty, coordinator)
    assert send_reminders() == 1
    assert send_reminders() == 0


def test_reminder_window_follows_clock(clock, faculty, make_session, make_slot):
    make_slot(session=make_session(on=date(2026, 11, 12)), holder=faculty)
    assert send_reminders() == 0
    clock.set(datetime(2026, 11, 10, 4, 0, tzinfo=UTC))  # 23:00 on the 9th, local
    assert send_reminders() == 0
    clock.set(datetime(2026, 11, 10, 6, 0, tzinfo=UTC))  # 01:00 on the 10th: 2 days ahead
    assert send_reminders() == 1
    clock.set(datetime(2026, 11, 11, 9, 0, tzinfo=UTC))
    assert send_reminders() == 0


def test_nudge_digest_once_per_week(
    clock, runner, faculty, other_faculty, coordinator, resident, make_session, make_slot
):
    inside = make_slot(session=make_session(on=date(2026, 11, 9)))  # inside the 7-day cut-off
    make_slot(session=make_session(on=date(2026, 11, 20)), role="discussant")
    make_slot(session=make_session(on=date(2026, 11, 18)), holder=other_faculty)  # filled
    make_slot(session=make_session(on=date(2026, 11, 19)), eligibility="resident")
    make_slot(session=make_session(on=date(2027, 1, 20)))  # beyond 3 weeks
    db.session.commit()

    result = runner.invoke(args=["nudge-unfilled"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    sent = messages()
    by_person = {m.to_email: m for m in sent}
    assert set(by_person) == {faculty.email, other_faculty.email, coordinator.email}
    digest = by_person[faculty.email]
    assert "2 teaching slot(s) open" in digest.subject
    assert "Discussant" in digest.body
    assert "Lecturer" in digest.body
    urgent = by_person[coordinator.email]
    assert "1 slot(s) inside the cut-off" in urgent.subject
    assert inside.session.title in urgent.body

    # Same ISO week: nothing new. Next week: a fresh digest.
    clock.advance(days=2)
    assert nudge_unfilled() == 0
    clock.set(datetime(2026, 11, 9, 14, 0, tzinfo=UTC))
    assert nudge_unfilled() > 0


def test_nudge_sends_nothing_when_everything_is_filled(clock, faculty, make_session, make_slot):
    make_slot(session=make_session(on=date(2026, 11, 9)), holder=faculty)
    assert nudge_unfilled() == 0
    assert messages() == []
