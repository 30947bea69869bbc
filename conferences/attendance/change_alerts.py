"""Short-notice change alerts: e-mail everyone expected at a session that is cancelled,
moved or changes room shortly before it starts.

A subscribed calendar can lag a change by up to a day (Google refreshes subscriptions every
12-24 hours), so a noon conference cancelled at 10:00 would still show at noon. When a
session starting within the program's ``change_alert_hours`` (48 by default) is cancelled,
deleted, moved, changes room or is back on, each resident in its audience who is not excused
from it (``attendance.rules.excuses_for``: an approved excusal, an excusing rotation) and has
not turned the alerts off (``User.change_alerts``) gets one e-mail through the outbox.

How it works:

- The schedule tells us through ``schedule.signals.session_changed``; each change is noted
  on the database session (``Session.info``) and nothing is sent yet.
- The values a session had before the transaction changed it (start, end, room, status)
  are kept by attribute listeners, so "moved" and "changes room" compare with what people
  last saw, and a change undone in the same action sends nothing.
- Just before the action commits (``before_commit``), the notes become one message per
  person, listing every session of that action that concerns them: cancelling a day of
  twelve sessions sends each resident one e-mail.
- A message's ``dedupe_key`` is made of the person and each session's ``revision``, so the
  same change is never mailed twice to the same person; a rollback forgets the notes.

The clock is ``timeutil.now_utc``. Nothing here commits.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event, inspect, select, true
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm.base import NEVER_SET, NO_VALUE

from conferences import timeutil
from conferences.attendance.rules import excuses_for
from conferences.config import public_url
from conferences.extensions import db
from conferences.notifications import services as mail
from conferences.people.models import User
from conferences.program import services as program
from conferences.schedule.audience import Audience
from conferences.schedule.models import Session, SessionStatus
from conferences.schedule.signals import session_changed
from conferences.schedule.video import video_line

PENDING = "change_alerts.pending"
ORIGINAL = "change_alerts.original"
TRACKED = ("starts_at", "ends_at", "room", "status")
WATCHED_CHANGES = ("moved", "edited", "cancelled", "restored", "deleted")
SESSION_PATH = "/sessions/"
ACCOUNT_PATH = "/account/password"


@dataclass(frozen=True)
class Snapshot:
    """What people know about a session: where and when, and whether it is on."""

    starts_at: datetime
    ends_at: datetime
    room: str
    cancelled: bool

    @classmethod
    def of(cls, session: Session, original: dict[str, Any] | None = None) -> Snapshot:
        values = {name: getattr(session, name) for name in TRACKED}
        values.update(original or {})
        return cls(
            starts_at=values["starts_at"],
            ends_at=values["ends_at"],
            room=values["room"] or "",
            cancelled=values["status"] == SessionStatus.CANCELLED.value,
        )

    def is_soon(self, now: datetime, horizon: datetime) -> bool:
        """Not over yet and starting before ``horizon``."""
        return self.ends_at > now and self.starts_at <= horizon


@dataclass
class Notice:
    """One change to one session, as a line of an alert."""

    session_id: int
    revision: int
    public_id: str
    title: str
    what: str  # "cancelled", "removed", "moved", "room", "back on"
    before: Snapshot
    after: Snapshot | None
    reason: str = ""
    recipient_ids: set[int] = field(default_factory=set)
    # The meeting link (the session's own, else its series'), for a session still on.
    video_url: str = ""

    @property
    def key(self) -> str:
        return f"{self.session_id}@{self.revision}:{self.what}"


# ---------------------------------------------------------------- what changed


def classify(before: Snapshot, after: Snapshot | None) -> str | None:
    """The change people must hear about, or None (a title edit, a change undone)."""
    if after is None:
        return None if before.cancelled else "removed"
    if after.cancelled and not before.cancelled:
        return "cancelled"
    if before.cancelled and not after.cancelled:
        return "back on"
    if after.cancelled:
        return None  # edits to a cancelled session do not matter to anyone
    if (after.starts_at, after.ends_at) != (before.starts_at, before.ends_at):
        return "moved"
    if after.room.strip().lower() != before.room.strip().lower():
        return "room"
    return None


def _window(now: datetime) -> datetime | None:
    hours = program.get_settings().change_alert_hours
    return now + timedelta(hours=hours) if hours > 0 else None


def _recipient_ids(
    audience: dict, days: set[date], cache: dict[tuple[str, date], set[int]]
) -> set[int]:
    """Residents in the audience on any of ``days`` who have not turned alerts off."""
    rule = Audience.from_json(audience)
    found: set[int] = set()
    for day in sorted(days):
        key = (rule.key(), day)
        if key not in cache:
            cache[key] = set(
                db.session.scalars(
                    select(User.id).where(rule.resident_clause(day), User.change_alerts == true())
                )
            )
        found |= cache[key]
    return found


def _notice(session: Session, before: Snapshot, after: Snapshot | None, what: str) -> Notice:
    return Notice(
        session_id=session.id,
        revision=session.revision or 0,
        public_id=session.public_id,
        title=session.title,
        what=what,
        before=before,
        after=after,
        reason=session.cancel_reason if what == "cancelled" else "",
        video_url="" if what in ("cancelled", "removed") else session.effective_video_url,
    )


# ---------------------------------------------------------------- noting changes


def _on_session_changed(session: Session, change: str = "", actor=None, **_extra) -> None:
    """Note a change; a deleted session is described now, while it still exists."""
    if change not in WATCHED_CHANGES or session.id is None:
        return
    info = db.session.info
    if change != "deleted":
        info.setdefault(PENDING, {})[session] = True
        return
    before = Snapshot.of(session, info.get(ORIGINAL, {}).get(session))
    what = classify(before, None)
    now = timeutil.now_utc()
    horizon = _window(now)
    if what is None or horizon is None or not before.is_soon(now, horizon):
        return
    notice = _notice(session, before, None, what)
    day = timeutil.local_date(before.starts_at)
    notice.recipient_ids = _recipient_ids(session.audience, {day}, {}) - set(excuses_for(session))
    info.setdefault(PENDING, {})[("deleted", session.id)] = notice


def _remember_original(target: Session, _value, oldvalue, initiator) -> None:
    """Keep the value a stored session had before this transaction first changed it."""
    state = inspect(target)
    if not state.persistent or state.session is None:
        return
    if oldvalue is NO_VALUE or oldvalue is NEVER_SET:
        return
    originals = state.session.info.setdefault(ORIGINAL, {})
    originals.setdefault(target, {}).setdefault(initiator.key, oldvalue)


# ---------------------------------------------------------------- sending


def collect(pending: dict, originals: dict) -> list[Notice]:
    """The notices worth sending for this action's changes, with their recipients."""
    notices: list[Notice] = []
    if not pending:
        return notices
    now = timeutil.now_utc()
    horizon = _window(now)
    if horizon is None:
        return notices
    cache: dict[tuple[str, date], set[int]] = {}
    for key, noted in pending.items():
        if isinstance(noted, Notice):
            notices.append(noted)
            continue
        session: Session = key
        if inspect(session).was_deleted:
            continue
        before = Snapshot.of(session, originals.get(session))
        after = Snapshot.of(session)
        what = classify(before, after)
        if what is None:
            continue
        if not (before.is_soon(now, horizon) or after.is_soon(now, horizon)):
            continue
        notice = _notice(session, before, after, what)
        days = {timeutil.local_date(before.starts_at), timeutil.local_date(after.starts_at)}
        # Residents excused from it (vacation, an approved excusal) are not expected there.
        excused = set(excuses_for(session))
        notice.recipient_ids = _recipient_ids(session.audience, days, cache) - excused
        notices.append(notice)
    return notices


def send_alerts(notices: list[Notice]) -> int:
    """One message per person for all of their notices; returns how many were queued."""
    by_person: dict[int, list[Notice]] = {}
    for notice in sorted(notices, key=lambda n: (n.before.starts_at, n.title, n.session_id)):
        for person_id in notice.recipient_ids:
            by_person.setdefault(person_id, []).append(notice)
    if not by_person:
        return 0
    people = db.session.scalars(select(User).where(User.id.in_(list(by_person))))
    sent = 0
    for person in sorted(people, key=lambda p: p.id):
        mine = by_person[person.id]
        digest = hashlib.sha256("|".join(sorted(n.key for n in mine)).encode()).hexdigest()
        message = mail.send(
            person,
            subject(mine),
            body(person, mine),
            dedupe_key=f"change-alert:{person.id}:{digest[:40]}",
        )
        sent += message is not None
    return sent


def _when(value: datetime) -> str:
    return timeutil.format_local(value, "%a %d %b %H:%M")


def _place(snapshot: Snapshot) -> str:
    return f"{_when(snapshot.starts_at)}" + (f", {snapshot.room}" if snapshot.room else "")


def subject(notices: list[Notice]) -> str:
    if len(notices) > 1:
        return f"Schedule change: {len(notices)} of your sessions changed at short notice"
    notice = notices[0]
    after = notice.after or notice.before
    if notice.what == "cancelled":
        return f"Cancelled: {notice.title}, {_when(notice.before.starts_at)}"
    if notice.what == "removed":
        return f"Removed from the schedule: {notice.title}, {_when(notice.before.starts_at)}"
    if notice.what == "moved":
        return f"Moved: {notice.title}, now {_when(after.starts_at)}"
    if notice.what == "room":
        return f"New room: {notice.title} is in {after.room or 'no room'}"
    return f"Back on: {notice.title}, {_when(after.starts_at)}"


def _line(notice: Notice) -> str:
    before, after = notice.before, notice.after or notice.before
    if notice.what == "cancelled":
        text = f"CANCELLED: {notice.title}, {_place(before)}."
        if notice.reason:
            text += f"\n  Reason: {notice.reason}"
    elif notice.what == "removed":
        text = f"REMOVED FROM THE SCHEDULE: {notice.title}, {_place(before)}."
    elif notice.what == "moved":
        text = f"MOVED: {notice.title}, now {_place(after)} (was {_place(before)})."
    elif notice.what == "room":
        text = (
            f"NEW ROOM: {notice.title}, {_when(after.starts_at)}, now in "
            f"{after.room or 'no room'} (was {before.room or 'no room'})."
        )
    else:
        text = f"BACK ON: {notice.title}, {_place(after)}."
    if notice.video_url:
        text += f"\n  {video_line(notice.video_url)}"
    if notice.what != "removed":
        text += f"\n  {public_url(SESSION_PATH + notice.public_id)}"
    return text


def body(person: User, notices: list[Notice]) -> str:
    hours = program.get_settings().change_alert_hours
    one = len(notices) == 1
    opening = (
        "A session you are expected at changed shortly before it starts"
        if one
        else f"{len(notices)} sessions you are expected at changed shortly before they start"
    )
    lines = "\n\n".join(f"- {_line(notice)}" for notice in notices)
    return (
        f"Hello {person.name},\n\n{opening} (within {hours} hours). Your subscribed "
        f"calendar may not show this yet.\n\n{lines}\n\n"
        f"You get these e-mails because you are in the audience of "
        f"{'this session' if one else 'these sessions'}. To stop them, turn off short-notice "
        f"change alerts on your account page: {public_url(ACCOUNT_PATH)}\n"
    )


def _before_commit(dbsession: DbSession) -> None:
    pending = dbsession.info.pop(PENDING, None)
    originals = dbsession.info.pop(ORIGINAL, None) or {}
    if pending:
        send_alerts(collect(pending, originals))


def _after_transaction_end(dbsession: DbSession, transaction) -> None:
    if transaction.parent is None:  # the whole transaction, not a savepoint
        dbsession.info.pop(PENDING, None)
        dbsession.info.pop(ORIGINAL, None)


def init_app(_app: Flask | None = None) -> None:
    """Listen to the schedule and to commits (once per process, whatever the app)."""
    session_changed.connect(_on_session_changed)
    for name in TRACKED:
        attribute = getattr(Session, name)
        if not event.contains(attribute, "set", _remember_original):
            event.listen(attribute, "set", _remember_original, active_history=True)
    if not event.contains(DbSession, "before_commit", _before_commit):
        event.listen(DbSession, "before_commit", _before_commit)
        event.listen(DbSession, "after_transaction_end", _after_transaction_end)
