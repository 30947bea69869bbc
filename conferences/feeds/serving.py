"""Serving feeds: the personal feed behind a token, a public series' feed and a one-event
calendar, rendered once per distinct content and answered from memory when nothing
changed.

Serving is built for clients that poll all day. A personal feed request costs one SQL
query when nothing changed: the subscription row together with the two change counters.
Everything else is kept in memory, per application (``feeds.caches``).
"""

from __future__ import annotations

import weakref
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import update

from conferences import timeutil
from conferences.extensions import db
from conferences.feeds import ical
from conferences.feeds.blocks import feed_blocks
from conferences.feeds.caches import (
    FeedResult,
    Rendered,
    Subscriber,
    caches,
    counters_in_memory,
    current_counters,
    subscribers,
    subscribers_in_memory,
)
from conferences.feeds.models import FeedSubscription
from conferences.feeds.subscriptions import followed_series_ids, hash_token
from conferences.feeds.window import feed_window, load_events, select_for_user, window_events
from conferences.people.models import User
from conferences.program.services import counter_value, get_settings
from conferences.schedule import queries as schedule_queries
from conferences.schedule.models import Session

# last_fetched_at is informative; writing it on every poll would cost a write per request.
FETCH_STAMP_EVERY = timedelta(hours=1)


def event_options(
    alarm_minutes: int | None = None, *, show_video: bool = False
) -> ical.EventOptions:
    """``show_video``: the feed is for a known person (meeting links are never public)."""
    config = current_app.config
    return ical.EventOptions(
        zone=timeutil.program_zone(),
        uid_domain=config["FEED_UID_DOMAIN"],
        base_url=config["BASE_URL"],
        alarm_minutes=alarm_minutes,
        show_video=show_video,
    )


def calendar_header(name: str, description: str = "") -> ical.CalendarHeader:
    return ical.CalendarHeader(
        name=name,
        zone_name=timeutil.program_zone_name(),
        refresh_minutes=int(current_app.config["FEED_REFRESH_MINUTES"]),
        description=description,
    )


def render(
    header: ical.CalendarHeader,
    events: list[ical.EventData],
    options: ical.EventOptions,
    first: date,
    last: date,
    blocks: tuple[ical.BlockData, ...] = (),
) -> Rendered:
    """Render (or fetch) one feed; equal inputs share one rendering."""
    store = caches()
    key = (header, options, first, last, tuple(events), blocks)
    found = store.renderings.get(key)
    if found is not None:
        return found
    body = ical.render_calendar(
        header, events, options, first, last, cache=store.events, blocks=blocks
    )
    rendered = Rendered(body, len(events), store.bodies)
    store.renders += 1
    store.renderings.put(key, rendered)
    return rendered


def _version_date(at: datetime, after: datetime | None) -> datetime:
    """The Last-Modified of a version made at ``at``: its whole second, never later
    than the answer's Date, and later than the previous version's ``after`` (HTTP dates
    have one-second resolution, and If-Modified-Since must tell the two apart). Only
    two changes within one second put the second one's date up to a second ahead."""
    whole = at.replace(microsecond=0)
    if after is not None and whole <= after:
        whole = after.replace(microsecond=0) + timedelta(seconds=1)
    return whole


def personal_calendar_name() -> str:
    return f"{get_settings().name} conferences"


def session_is_public(public_id: str) -> bool | None:
    """Whether a session belongs to a public series (None: no such session)."""
    session = schedule_queries.get_session_by_public_id(public_id)
    if session is None:
        return None
    return session.series is not None and session.series.public


def personal_feed(token: str) -> FeedResult | None:
    """The feed behind a token, or None for an unknown, reset or deactivated one.

    Call from a request and commit afterwards if ``wrote``: the subscription's fetch time
    and content version may be updated (at most once an hour, or when content changed).
    A cached answer reads nothing from the database (see ``current_counters``).
    """
    token_hash = hash_token(token)
    counters = current_counters()
    sub = subscribers(counters).get(token_hash)
    if sub is None:
        return None
    first, last = feed_window()
    state = (sub.user_id, counters, sub.alarm_minutes, first, sub.include_blocks)
    rendered = _remembered_rendering(token_hash, state)
    if rendered is None:
        user = db.session.get(User, sub.user_id)
        events = window_events(first, last, counters[0])
        chosen = select_for_user(user, events, followed_series_ids(user.id))
        header = calendar_header(personal_calendar_name(), "Your conference sessions")
        blocks = feed_blocks(user, first, last) if sub.include_blocks else ()
        options = event_options(sub.alarm_minutes, show_video=True)
        rendered = render(header, chosen, options, first, last, blocks)
        caches().personal.put(token_hash, (state, weakref.ref(rendered)))

    now = timeutil.now_utc()
    changes = _subscription_changes(sub, rendered, now)
    if changes:
        db.session.execute(
            update(FeedSubscription)
            .where(FeedSubscription.user_id == sub.user_id)
            .values(**changes)
        )
        for name, value in changes.items():
            setattr(sub, name, value)
    assert sub.content_changed_at is not None  # set by the changes when it was missing
    return FeedResult(rendered, sub.content_changed_at, wrote=bool(changes))


def personal_feed_from_memory(token: str) -> FeedResult | None:
    """The answer ``personal_feed`` would give, when this process can give it without
    touching the database (nothing to read, nothing to write); otherwise None, and the
    caller takes the full path. Serves the polls of calendar clients (``fastpath``)."""
    counters = counters_in_memory()
    if counters is None:
        return None
    known = subscribers_in_memory(counters)
    token_hash = hash_token(token)
    sub = known.get(token_hash) if known is not None else None
    if sub is None:
        return None
    state = (sub.user_id, counters, sub.alarm_minutes, feed_window()[0], sub.include_blocks)
    rendered = _remembered_rendering(token_hash, state)
    if rendered is None or _subscription_changes(sub, rendered, timeutil.now_utc()):
        return None
    assert sub.content_changed_at is not None  # no changes pending: it is set
    return FeedResult(rendered, sub.content_changed_at)


def _remembered_rendering(token_hash: str, state: tuple) -> Rendered | None:
    """The rendering this process last served for the token in this state, unless the
    byte bound has evicted it since."""
    memo = caches().personal.get(token_hash)
    return memo[1]() if memo is not None and memo[0] == state else None


def _subscription_changes(sub: Subscriber, rendered: Rendered, now: datetime) -> dict:
    """What to write to the subscription row: a new content version (with the second
    it changed, for Last-Modified) and the hourly fetch stamp."""
    changes: dict = {}
    if sub.content_etag != rendered.etag or sub.content_changed_at is None:
        changes["content_changed_at"] = _version_date(now, sub.content_changed_at)
        changes["content_etag"] = rendered.etag
    if sub.last_fetched_at is None or now - sub.last_fetched_at >= FETCH_STAMP_EVERY:
        changes["last_fetched_at"] = now
    return changes


def _public_result(identity: str, rendered: Rendered) -> FeedResult:
    """Last-Modified for feeds without a row: when this process first served the
    current content (ETags are the same everywhere; this date can only be later)."""
    store = caches()
    known = store.since.get(identity)
    if known is not None and known[0] == rendered.etag:
        return FeedResult(rendered, known[1])
    since = _version_date(timeutil.now_utc(), known[1] if known else None)
    store.since.put(identity, (rendered.etag, since))
    return FeedResult(rendered, since)


def series_feed(slug: str) -> FeedResult | None:
    """The feed of a public series, or None."""
    series = schedule_queries.series_by_slug(slug)
    if series is None or not series.public:
        return None
    counter = counter_value()
    first, last = feed_window()
    state = (counter, first)
    store = caches()
    memo = store.public.get(("series", series.id))
    rendered = memo[1]() if memo is not None and memo[0] == state else None
    if rendered is None:
        events = [e for e in window_events(first, last, counter) if e.series_id == series.id]
        header = calendar_header(series.title, series.description or "")
        rendered = render(header, events, event_options(), first, last)
        store.public.put(("series", series.id), (state, weakref.ref(rendered)))
    return _public_result(f"series:{series.id}", rendered)


def session_feed(public_id: str, *, show_video: bool = False) -> FeedResult | None:
    """A one-event calendar for "Add to calendar"; ``show_video`` only for a known person."""
    session = schedule_queries.get_session_by_public_id(public_id)
    if session is None:
        return None
    day = timeutil.local_date(session.starts_at)
    (event,) = load_events(day, day, Session.id == session.id)
    options = event_options(show_video=show_video)
    rendered = render(calendar_header(session.title), [event], options, day, day)
    identity = f"session:{session.id}" + (":video" if show_video else "")
    return _public_result(identity, rendered)
