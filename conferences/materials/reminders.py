"""Reminding presenters to upload their materials (run daily from cron). Idempotent.

Holders of teaching slots on sessions within ``MATERIALS_REMINDER_DAYS`` local days that
have no materials yet get one e-mail; the dedupe key names the slot, the holder and the
session's start, so a rerun sends nothing new and a moved session gets a fresh reminder.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import exists

from conferences import timeutil
from conferences.config import public_url
from conferences.extensions import db
from conferences.materials.models import Material
from conferences.notifications import services as mail
from conferences.schedule.models import Session
from conferences.teaching.models import TeachingSlot
from conferences.teaching.queries import upcoming_slots_query

DEFAULT_DAYS = 3


def send_upload_reminders() -> int:
    days = int(current_app.config.get("MATERIALS_REMINDER_DAYS", DEFAULT_DAYS))
    now = timeutil.now_utc()
    horizon = timeutil.day_bounds(timeutil.local_today() + timedelta(days=days))[1]
    slots = db.session.scalars(
        upcoming_slots_query()
        .where(
            TeachingSlot.holder_id.is_not(None),
            Session.starts_at > now,
            Session.starts_at < horizon,
            ~exists().where(Material.session_id == Session.id),
        )
        .order_by(Session.starts_at)
    ).unique()
    sent = 0
    for slot in slots:
        session = slot.session
        when = timeutil.format_local(session.starts_at, "%a %d %b at %H:%M")
        page = public_url(f"/sessions/{session.public_id}/materials")
        message = mail.send(
            slot.holder,
            f"Please upload your materials for {session.title} ({when})",
            f"You are {slot.role_label.lower()} for {session.title} on {when}.\n"
            f"Residents can find your slides and handouts on the session's materials page:\n"
            f"{page}\n",
            dedupe_key=(
                f"materials-reminder:{slot.id}:{slot.holder_id}:{session.starts_at:%Y%m%dT%H%M}"
            ),
        )
        if message is not None:
            sent += 1
    return sent
