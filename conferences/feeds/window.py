"""The feed window and its sessions: the local dates a feed covers, the sessions in them
frozen as ``ical.EventData`` snapshots (kept per schedule counter and refreshed session by
session), and which of them are in one person's feed."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from functools import lru_cache

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import String, func, select, type_coerce

from conferences import timeutil
from conferences.extensions import db
from conferences.feeds import ical
from conferences.feeds.caches import caches
from conferences.people.models import User
from conferences.program.services import get_settings
from conferences.schedule.audience import Audience, facts_for
from conferences.schedule.models import (
    KIND_LABELS,
    Series,
    Session,
    SessionStatus,
    SessionTopic,
)
from conferences.teaching.models import SLOT_ROLE_LABELS, TeachingSlot


def feed_window(today: date | None = None) -> tuple[date, date]:
    """Local dates a feed covers: FEED_PAST_DAYS ago through the end of the academic
    year plus FEED_FUTURE_MONTHS_AFTER_YEAR months."""
    config = current_app.config
    return _window(
        today or timeutil.local_today(),
        int(config["FEED_PAST_DAYS"]),
        int(config["FEED_FUTURE_MONTHS_AFTER_YEAR"]),
    )


@lru_cache(maxsize=16)
def _window(today: date, past_days: int, months_after_year: int) -> tuple[date, date]:
    year_end = timeutil.academic_year_bounds(timeutil.academic_year_of(today))[1]
    return today - timedelta(days=past_days), year_end + relativedelta(months=months_after_year)


@dataclass(frozen=True)
class _Slot:
    role_label: str
    holder_id: int | None
    holder_name: str
    talk_title: str


def snapshot(row, slots, topics, zone: tzinfo | None = None) -> ical.EventData:
    """Freeze what a VEVENT shows about one session, given a row of ``SESSION_COLUMNS``,
    its teaching slots (in display order) and its topic codes.

    ``zone`` is the program's zone (looked up once by callers snapshotting many)."""
    # Unpacked by position: a thousand rows' worth of attribute lookups is measurable.
    (
        session_id,
        public_id,
        series_id,
        title,
        kind,
        text,
        starts_at,
        ends_at,
        room,
        video_url,
        audience,
        required,
        status,
        cancel_reason,
        revision,
        created_at,
        updated_at,
    ) = row
    presenters = tuple(
        ical.Presenter(slot.role_label, slot.holder_name, slot.talk_title or "", slot.holder_id)
        for slot in slots
        if slot.holder_id is not None
    )
    return ical.EventData(
        id=session_id,
        public_id=public_id,
        series_id=series_id,
        title=title,
        kind=kind,
        # The label maps are keyed by StrEnum members, which hash and compare as their values.
        kind_label=KIND_LABELS.get(kind, kind),
        description=text or "",
        starts_at=starts_at,
        ends_at=ends_at,
        room=room or "",
        video_url=video_url or "",
        required=bool(required),
        cancelled=status == CANCELLED,
        cancel_reason=cancel_reason or "",
        revision=revision or 0,
        created_at=created_at,
        updated_at=updated_at,
        topics=tuple(sorted(topics)) if topics else (),
        presenters=presenters,
        holder_ids=frozenset(p.holder_id for p in presenters) if presenters else frozenset(),
        audience_items=tuple(sorted((k, tuple(v)) for k, v in audience.items()))
        if audience
        else (),
        starts_on=starts_at.astimezone(zone or timeutil.program_zone()).date(),
    )


CANCELLED = SessionStatus.CANCELLED.value

# The session's meeting link, else its series' one (``schedule.video.effective_video_url``).
EFFECTIVE_VIDEO_URL = func.coalesce(
    func.nullif(func.trim(Session.video_url), ""),
    select(func.trim(Series.video_url))
    .where(Series.id == Session.series_id)
    .correlate(Session)
    .scalar_subquery(),
    "",
).label("video_url")


SESSION_COLUMNS = (
    Session.id,
    Session.public_id,
    Session.series_id,
    Session.title,
    Session.kind,
    Session.description,
    Session.starts_at,
    Session.ends_at,
    Session.room,
    EFFECTIVE_VIDEO_URL,
    Session.audience,
    Session.required,
    Session.status,
    Session.cancel_reason,
    Session.revision,
    Session.created_at,
    Session.updated_at,
)


def load_events(first: date, last: date, *conditions) -> tuple[ical.EventData, ...]:
    """Snapshots of every session (cancelled included) starting on local days first..last.

    Three queries whatever the number of sessions (sessions, topics, slots with their
    holders), read as plain rows: a feed re-render must stay well under 50 ms.
    """
    where = (*_in_window(first, last), *conditions)
    rows = db.session.execute(select(*SESSION_COLUMNS).where(*where)).all()
    topics: dict[int, list[str]] = defaultdict(list)
    for session_id, topic in db.session.execute(
        select(SessionTopic.session_id, SessionTopic.topic).join(Session).where(*where)
    ):
        topics[session_id].append(topic)
    slots: dict[int, list[_Slot]] = defaultdict(list)
    for session_id, role, holder_id, name, talk_title in db.session.execute(
        select(
            TeachingSlot.session_id,
            TeachingSlot.role,
            TeachingSlot.holder_id,
            User.name,
            TeachingSlot.talk_title,
        )
        .join(Session, TeachingSlot.session_id == Session.id)
        .outerjoin(User, TeachingSlot.holder_id == User.id)
        .where(*where)
        .order_by(TeachingSlot.session_id, TeachingSlot.position, TeachingSlot.id)
    ):
        label = SLOT_ROLE_LABELS.get(role, role)
        slots[session_id].append(_Slot(label, holder_id, name or "", talk_title))
    zone = timeutil.program_zone()
    events = [snapshot(row, slots.get(row.id, ()), topics.get(row.id), zone) for row in rows]
    return tuple(sorted(events, key=lambda e: (e.starts_at, e.id)))


def _in_window(first: date, last: date) -> tuple:
    start_at, end_at = timeutil.range_bounds(first, last)
    return (Session.starts_at >= start_at, Session.starts_at < end_at)


def _stamps(first: date, last: date) -> dict[int, tuple]:
    """Per session in the window, what changes whenever its VEVENT may change: its
    revision and update time, its slots' count and latest update, and its meeting link
    (which may come from its series) (one query)."""
    rows = db.session.execute(
        select(
            Session.id,
            Session.revision,
            # Compared for equality only: skip the conversion to aware datetimes.
            type_coerce(Session.updated_at, String),
            func.count(TeachingSlot.id),
            type_coerce(func.max(TeachingSlot.updated_at), String),
            # A series' link shows in its sessions without stamping them.
            EFFECTIVE_VIDEO_URL,
        )
        .outerjoin(TeachingSlot, TeachingSlot.session_id == Session.id)
        .where(*_in_window(first, last))
        .group_by(
            Session.id,
            Session.revision,
            Session.updated_at,
            Session.video_url,
            Session.series_id,
        )
    )
    return {row[0]: tuple(row[1:]) for row in rows}


@dataclass(frozen=True)
class WindowState:
    counter: int
    events: tuple[ical.EventData, ...]
    stamps: dict[int, tuple]
    holder_names: dict[int, str]
    fully_loaded_at: float


# Beyond this share of changed sessions (an import, a series edit), reload everything;
# and reload everything now and then whatever the stamps say.
FULL_RELOAD_SHARE = 0.25
FULL_RELOAD_SECONDS = 600


def _holder_names(events) -> dict[int, str]:
    return {p.holder_id: p.name for e in events for p in e.presenters if p.holder_id}


def _full_window(first: date, last: date, counter: int) -> WindowState:
    stamps = _stamps(first, last)
    events = load_events(first, last)
    return WindowState(counter, events, stamps, _holder_names(events), time.monotonic())


def _refreshed_window(state: WindowState, first: date, last: date, counter: int) -> WindowState:
    """Reload only the sessions whose stamps changed (or whose presenters were renamed)."""
    stamps = _stamps(first, last)
    changed = {sid for sid, stamp in stamps.items() if state.stamps.get(sid) != stamp}
    if state.holder_names:
        names = dict(
            db.session.execute(
                select(User.id, User.name).where(User.id.in_(list(state.holder_names)))
            ).all()
        )
        renamed = {uid for uid, name in state.holder_names.items() if names.get(uid) != name}
        if renamed:
            changed |= {e.id for e in state.events if e.holder_ids & renamed and e.id in stamps}
    if len(changed) > max(20, FULL_RELOAD_SHARE * len(stamps)):
        return _full_window(first, last, counter)
    fresh = {e.id: e for e in load_events(first, last, Session.id.in_(changed))} if changed else {}
    kept = [fresh.pop(e.id, e) for e in state.events if e.id in stamps]
    events = tuple(sorted([*kept, *fresh.values()], key=lambda e: (e.starts_at, e.id)))
    return WindowState(counter, events, stamps, _holder_names(events), state.fully_loaded_at)


def window_events(first: date, last: date, counter: int) -> tuple[ical.EventData, ...]:
    """The window's snapshots for this value of the schedule counter.

    After a change, only the sessions that changed are read again, so re-rendering a
    feed after one edit costs a few small queries instead of reloading the year.
    """
    store = caches().windows
    state = store.get((first, last))
    if state is not None and state.counter == counter:
        return state.events
    if state is None or time.monotonic() - state.fully_loaded_at > FULL_RELOAD_SECONDS:
        state = _full_window(first, last, counter)
    else:
        state = _refreshed_window(state, first, last, counter)
    store.put((first, last), state)
    return state.events


def select_for_user(
    user: User, events: tuple[ical.EventData, ...], follows: set[int]
) -> list[ical.EventData]:
    """The sessions in a person's feed: their audience (residents), what they teach,
    and the series they follow."""
    facts = facts_for(user) if user.is_resident else None
    audiences: dict[tuple, Audience] = {}
    user_id = user.id
    chosen = []
    for event in events:
        if (event.series_id is not None and event.series_id in follows) or (
            user_id in event.holder_ids
        ):
            chosen.append(event)
        elif facts is not None:
            # The audience rule itself (as in ``in_audience``), parsed once per audience.
            audience = audiences.get(event.audience_items)
            if audience is None:
                audience = audiences[event.audience_items] = Audience.from_json(event.audience)
            if audience.includes(facts, event.starts_on):
                chosen.append(event)
    if facts is not None and facts.is_alumnus(timeutil.local_today()) and not user.is_faculty:
        # A graduate keeps the sessions of their residency, or nothing (program setting).
        if get_settings().alumni_feed == "stop":
            return []
        last = facts.last_day
        chosen = [
            event
            for event in chosen
            if last is None or event.starts_on is None or event.starts_on <= last
        ]
    return chosen
