"""A resident's "where do I need to be": today's and the next sessions of their audience,
whether each is required or excused, whether check-in is open, and what changed since the
last visit (moved, cancelled, new room, new presenter).

The status of each session comes from the one attendance rule (``rules.evaluate``), the
check-in window from the check-in service, presenters from teaching: a fixed number of
queries whatever the number of sessions. ``record_visit`` stores what the page showed so
the next visit can compare; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from conferences import timeutil
from conferences.attendance import marks, rules
from conferences.attendance.checkin import Window
from conferences.attendance.evaluation import evaluate
from conferences.extensions import db
from conferences.home.models import HomeVisit
from conferences.schedule.models import Session
from conferences.schedule.queries import sessions_between
from conferences.teaching.queries import slots_by_session

# The week whose changes are marked: today and the six days after it.
WEEK_DAYS = 7
# Sessions listed after today's.
NEXT_COUNT = 5
# Visits closer together than this are one sitting: the marks stay until the sitting ends.
SITTING = timedelta(minutes=30)

MOVED = "moved"
ROOM = "room changed"
CANCELLED = "cancelled"
RESTORED = "back on"
PRESENTER = "new presenter"
NEW = "new"
CHANGED = "changed"


@dataclass
class AgendaItem:
    """One session as the resident's home shows it."""

    session: Session
    status: rules.Status
    excuse: rules.Excuse | None
    mark: str | None
    window: Window
    presenters: list[str]
    holder_ids: list[int] = field(default_factory=list)
    checkin_open: bool = False
    # Today, check-in not open yet: the page says when it opens.
    opens_later: bool = False
    changes: list[str] = field(default_factory=list)
    moved_from: datetime | None = None
    room_from: str | None = None

    @property
    def on(self) -> date:
        return timeutil.local_date(self.session.starts_at)

    @property
    def required(self) -> bool:
        return self.session.required

    @property
    def excused(self) -> bool:
        return self.status == rules.Status.EXCUSED

    @property
    def visitor(self) -> bool:
        return self.status == rules.Status.VISITOR

    @property
    def checked_in(self) -> bool:
        return self.mark in marks.ATTENDED_MARKS

    @property
    def cancelled(self) -> bool:
        return self.session.is_cancelled

    @property
    def video_url(self) -> str:
        """The meeting link to join by video (the session's own, else its series'); none
        for a cancelled session. Home is for signed-in people only, as links must be."""
        return "" if self.cancelled else self.session.effective_video_url


@dataclass
class Gone:
    """A session the last visit showed in the coming week that is no longer there."""

    title: str
    was_at: datetime
    now_at: datetime | None  # None: deleted, or no longer for this resident
    cancelled: bool = False


@dataclass
class Agenda:
    today: list[AgendaItem]
    upcoming: list[AgendaItem]
    # Sessions of the coming week changed since the last visit (listed in ``today`` or
    # ``upcoming`` too, or further on in the week), and those that left the week.
    changed: list[AgendaItem]
    gone: list[Gone]
    since: datetime | None  # the visit the marks compare with; None on a first visit
    seen: dict  # what this visit shows, for ``record_visit``

    @property
    def open_now(self) -> list[AgendaItem]:
        return [item for item in self.today if item.checkin_open]


def _snapshot(item: AgendaItem) -> list:
    s = item.session
    return [s.starts_at.isoformat(), s.room, s.status, sorted(item.holder_ids)]


def _compare(item: AgendaItem, before: list | None, since: datetime) -> None:
    s = item.session
    if before is None:
        if s.created_at > since:
            item.changes.append(NEW)
        elif s.updated_at > since:
            # Not in the week last time, changed since: moved into it, most likely.
            item.changes.append(MOVED if s.occurrence_on not in (None, item.on) else CHANGED)
        return
    starts_at, room, status, holders = before
    was_cancelled = status == "cancelled"
    if s.is_cancelled and not was_cancelled:
        item.changes.append(CANCELLED)
    elif was_cancelled and not s.is_cancelled:
        item.changes.append(RESTORED)
    if starts_at != s.starts_at.isoformat():
        item.changes.append(MOVED)
        item.moved_from = datetime.fromisoformat(starts_at)
    if room != s.room:
        item.changes.append(ROOM)
        item.room_from = room
    if item.holder_ids and holders != sorted(item.holder_ids):
        item.changes.append(PRESENTER)


def agenda_for(user, visit: HomeVisit | None = None, now: datetime | None = None) -> Agenda:
    """The resident's sessions from today through the coming week, with the rule's status."""
    now = now or timeutil.now_utc()
    today = timeutil.local_date(now)
    last = today + timedelta(days=WEEK_DAYS - 1)
    evaluation = evaluate(today, last, resident_ids=[user.id], now=now)
    mine = {
        s.id: s
        for s in evaluation.sessions
        if user.id in evaluation.members.get(s.id, ()) or user.id in evaluation.marks.get(s.id, {})
    }
    sessions = [s for s in sessions_between(*timeutil.range_bounds(today, last)) if s.id in mine]
    slots = slots_by_session(mine)
    settings = marks.checkin_settings()
    items: list[AgendaItem] = []
    seen: dict[str, list] = {}
    for session in sessions:
        facts = mine[session.id]
        if timeutil.local_date(session.starts_at) < today:
            continue  # began the evening before
        status = evaluation.status(facts, user.id)
        holders = [slot.holder for slot in slots.get(session.id, []) if slot.holder is not None]
        item = AgendaItem(
            session=session,
            status=status,
            excuse=evaluation.excuses.get(session.id, {}).get(user.id)
            if status == rules.Status.EXCUSED
            else None,
            mark=evaluation.marks.get(session.id, {}).get(user.id),
            window=marks.window(session, settings),
            presenters=[h.name for h in holders],
            holder_ids=[h.id for h in holders],
        )
        item.checkin_open = (
            not session.is_cancelled and not item.checked_in and item.window.is_open(now)
        )
        item.opens_later = (
            not session.is_cancelled
            and not item.checked_in
            and now < item.window.opens_at
            and item.on == today
        )
        items.append(item)
        seen[str(session.id)] = _snapshot(item)

    since, before = _baseline(visit, now)
    gone: list[Gone] = []
    if since is not None:
        for item in items:
            _compare(item, before.get(str(item.session.id)), since)
        gone = _gone(before, seen, since)
    today_items = [i for i in items if i.on == today]
    upcoming = [i for i in items if i.on > today and not i.cancelled][:NEXT_COUNT]
    shown = {id(i) for i in today_items + upcoming}
    upcoming += [i for i in items if i.on > today and i.cancelled and i.changes]
    upcoming.sort(key=lambda i: i.session.starts_at)
    changed = [i for i in items if i.changes and id(i) not in shown]
    return Agenda(today_items, upcoming, changed, gone, since, seen)


def _baseline(visit: HomeVisit | None, now: datetime) -> tuple[datetime | None, dict]:
    """The visit to compare with: the end of the previous sitting."""
    if visit is None:
        return None, {}
    if now - visit.seen_at >= SITTING:
        return visit.seen_at, visit.seen or {}
    if visit.baseline_at is None:
        return None, {}
    return visit.baseline_at, visit.baseline or {}


def _gone(before: dict, seen: dict, since: datetime) -> list[Gone]:
    """Sessions the last visit showed that left the coming week (moved away or deleted)."""
    missing = [int(key) for key in before if key not in seen]
    if not missing:
        return []
    now_rows = {
        s.id: s
        for s in db.session.scalars(
            select(Session).options(joinedload(Session.series)).where(Session.id.in_(missing))
        ).unique()
    }
    gone = []
    for session_id in missing:
        starts_at = datetime.fromisoformat(before[str(session_id)][0])
        if starts_at < timeutil.now_utc():
            continue  # simply in the past now
        session = now_rows.get(session_id)
        if session is None:
            gone.append(Gone("A session", starts_at, None))
        elif session.updated_at > since:
            gone.append(Gone(session.title, starts_at, session.starts_at, session.is_cancelled))
    return gone


def load_visit(user) -> HomeVisit | None:
    return db.session.get(HomeVisit, user.id)


def record_visit(user, visit: HomeVisit | None, agenda: Agenda, now: datetime | None = None):
    """Store what this visit showed; a new sitting moves the last one into the baseline."""
    now = now or timeutil.now_utc()
    if visit is None:
        db.session.add(HomeVisit(user_id=user.id, seen_at=now, seen=agenda.seen, baseline={}))
    else:
        if now - visit.seen_at >= SITTING:
            visit.baseline_at, visit.baseline = visit.seen_at, visit.seen or {}
        visit.seen_at, visit.seen = now, agenda.seen
    db.session.flush()
