"""Reminders to slot holders and the weekly unfilled-slot nudge (run from cron)."""

from __future__ import annotations

from datetime import date, timedelta

from conferences import timeutil
from conferences.config import public_url
from conferences.extensions import db
from conferences.notifications import services as mail
from conferences.people.models import Role
from conferences.program import services as program
from conferences.schedule.models import Session
from conferences.teaching.eligibility import users_with_roles
from conferences.teaching.handover import release_cutoff
from conferences.teaching.models import Eligibility, TeachingSlot
from conferences.teaching.notices import coordinators, describe, join_line, session_url
from conferences.teaching.queries import needs_teacher, upcoming_slots_query

NUDGE_WEEKS = 3


def send_reminders() -> int:
    """Remind holders of sessions on the next ``reminder_days_before`` days. Idempotent.

    The dedupe key names the slot, the holder and the session's start, so running twice
    sends nothing new, while a moved session (or a new holder) gets a fresh reminder.
    """
    days = program.get_settings().reminder_days_before
    now = timeutil.now_utc()
    # Everything on the local days from today through today + N: a daily cron run at any
    # hour reminds people N days ahead.
    horizon = timeutil.day_bounds(timeutil.local_today() + timedelta(days=days))[1]
    slots = db.session.scalars(
        upcoming_slots_query()
        .where(
            TeachingSlot.holder_id.is_not(None),
            Session.starts_at > now,
            Session.starts_at < horizon,
        )
        .order_by(Session.starts_at)
    ).unique()
    sent = 0
    for slot in slots:
        session = slot.session
        key = f"teaching-reminder:{slot.id}:{slot.holder_id}:{session.starts_at:%Y%m%dT%H%M}"
        talk = f'Talk: "{slot.talk_title}"\n' if slot.talk_title else ""
        message = mail.send(
            slot.holder,
            f"Reminder: you teach {session.title} on "
            f"{timeutil.format_local(session.starts_at, '%a %d %b at %H:%M')}",
            f"You are {slot.role_label.lower()} for\n{describe(session)}.\n{talk}"
            f"{join_line(session)}\n"
            f"Session page: {session_url(session)}\n",
            dedupe_key=key,
        )
        if message is not None:
            sent += 1
    return sent


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def nudge_unfilled(weeks: int = NUDGE_WEEKS) -> int:
    """E-mail faculty a digest of slots open to them, coordinators the urgent ones.

    One digest per person per ISO week (dedupe key), so cron may run it daily.
    """
    now = timeutil.now_utc()
    week = _iso_week(timeutil.local_today())
    slots = needs_teacher(weeks)
    if not slots:
        return 0
    sent = 0
    faculty_slots = [
        s for s in slots if s.eligibility in (Eligibility.FACULTY.value, Eligibility.BOTH.value)
    ]
    for person in users_with_roles([Role.FACULTY]):
        mine = [s for s in faculty_slots if s.holder_id != person.id]
        if not mine:
            continue
        lines = [
            f"- {timeutil.format_local(s.session.starts_at, '%a %d %b %H:%M')}  "
            f"{s.session.title}: {s.role_label}" + (" (offered for swap)" if s.holder_id else "")
            for s in mine
        ]
        message = mail.send(
            person,
            f"{len(mine)} teaching slot(s) open in the next {weeks} weeks",
            "These teaching slots still need someone:\n\n"
            + "\n".join(lines)
            + f"\n\nSign up in one click: {public_url('/teaching/open')}\n",
            dedupe_key=f"teaching-nudge:{person.id}:{week}",
        )
        sent += message is not None
    urgent = [s for s in slots if s.holder_id is None and now >= release_cutoff(s.session)]
    if urgent:
        lines = [
            f"- {timeutil.format_local(s.session.starts_at, '%a %d %b %H:%M')}  "
            f"{s.session.title}: {s.role_label} (nobody)"
            for s in urgent
        ]
        for person in coordinators():
            message = mail.send(
                person,
                f"{len(urgent)} slot(s) inside the cut-off and still empty",
                "These slots are inside the release cut-off and nobody holds them:\n\n"
                + "\n".join(lines)
                + f"\n\nAssign someone: {public_url('/teaching/needs-teacher')}\n",
                dedupe_key=f"teaching-nudge-coordinator:{person.id}:{week}",
            )
            sent += message is not None
    return sent
