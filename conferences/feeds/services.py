"""Calendar feeds: tokens, follows, who gets which sessions, and the render cache.

Serving is built for clients that poll all day. A personal feed request costs one SQL
query when nothing changed: the subscription row together with the two change
counters. Everything else is kept in memory, per application:

* the window's sessions as ``EventData`` snapshots, keyed by the schedule counter
  (``program.services.counter_value``), which every schedule, teaching and roster
  change bumps;
* each distinct feed rendering (bytes, gzip bytes, ETag), keyed by the set of sessions
  it holds and the reminder choice, so residents who see the same sessions share one;
* serialised VEVENTs keyed by their snapshot (``ical.EventCache``), so a re-render
  after one session changed rebuilds only that event.

Following series and changing feed settings bump a separate counter,
``feed_settings``, so they do not throw away every rendering.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import logging
import secrets
import time
import weakref
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from threading import Lock

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import String, delete, func, select, true, type_coerce, update

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.feeds import ical
from conferences.feeds.blocks import feed_blocks
from conferences.feeds.lru import LRU
from conferences.feeds.models import FeedSubscription, SeriesFollow
from conferences.people.models import User
from conferences.program.models import ChangeCounter
from conferences.program.services import SCHEDULE, bump_counter, counter_value, get_settings
from conferences.schedule import services as schedule_services
from conferences.schedule.audience import Audience, facts_for
from conferences.schedule.models import (
    KIND_LABELS,
    Series,
    Session,
    SessionStatus,
    SessionTopic,
)
from conferences.teaching.models import SLOT_ROLE_LABELS, TeachingSlot

log = logging.getLogger("conferences.feeds")

FEED_SETTINGS = "feed_settings"

ALARM_CHOICES = ical.ALARM_CHOICES
# last_fetched_at is informative; writing it on every poll would cost a write per request.
FETCH_STAMP_EVERY = timedelta(hours=1)


# ---------------------------------------------------------------------------
# Tokens


def derive_token(user_id: int, salt: str) -> str:
    """The feed token: HMAC-SHA256(SECRET_KEY, user id and salt), URL-safe, 256 bits."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"feed-token:{user_id}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_subscription(user: User) -> FeedSubscription:
    """The person's subscription row, created (with a fresh salt) on first use."""
    sub = db.session.get(FeedSubscription, user.id)
    if sub is None:
        sub = FeedSubscription(user_id=user.id)
        _new_salt(sub)
        db.session.add(sub)
        db.session.flush()
        _settings_changed()
    return sub


def _settings_changed() -> None:
    """A subscription changed: every server process must read them again."""
    bump_counter(FEED_SETTINGS)
    _forget_subscribers()


def _new_salt(sub: FeedSubscription) -> None:
    sub.token_salt = secrets.token_urlsafe(32)
    sub.token_hash = hash_token(derive_token(sub.user_id, sub.token_salt))


class SecretKeyMismatch(DomainError):
    status_code = 503


def feed_token(user: User) -> str:
    """The person's current feed token (only its hash is stored), created on first use.

    An old row without a salt gets one (its address could not be shown anyway).
    """
    sub = get_subscription(user)
    if not sub.token_salt:
        _new_salt(sub)
        db.session.flush()
        _settings_changed()
    return _checked_token(sub)


def _checked_token(sub: FeedSubscription) -> str:
    """The token of a salted subscription, refusing when this process cannot derive it.

    A stored hash that no longer matches means this server process has another SECRET_KEY
    than the one the address was made with: a worker that generated its own key, say.
    Drawing a new salt would silently change the address of everyone who opens My calendar
    there, so this refuses instead, and logs why; the addresses keep working (they are
    found by hash).
    """
    token = derive_token(sub.user_id, sub.token_salt)
    if sub.token_hash != hash_token(token):
        log.error(
            "SECRET_KEY differs from the one feed addresses were made with; set the same"
            " SECRET_KEY for every worker (feed address of user %s left unchanged)",
            sub.user_id,
        )
        raise SecretKeyMismatch(
            "Your calendar address cannot be shown by this server right now (its"
            " configuration differs from the others'). Your subscribed calendars keep"
            " working. Please tell an administrator."
        )
    return token


def find_subscription(user: User) -> FeedSubscription | None:
    """The person's subscription row if they have one (reads only)."""
    return db.session.get(FeedSubscription, user.id)


def current_token(user: User) -> str | None:
    """The person's working feed token, or None when they have no address yet (or an old
    row without a salt must be renewed): reads only, so a page showing it can be opened by
    a GET."""
    sub = find_subscription(user)
    if sub is None or not sub.token_salt:
        return None
    return _checked_token(sub)


def reset_token(user: User) -> str:
    """Kill the current address and return the new token."""
    sub = get_subscription(user)
    _new_salt(sub)
    sub.content_etag = ""
    sub.content_changed_at = None
    db.session.flush()
    _settings_changed()
    return derive_token(user.id, sub.token_salt)


def set_include_blocks(user: User, include: bool) -> FeedSubscription:
    """Add (or leave out) the person's rotation blocks in their feed."""
    sub = get_subscription(user)
    sub.include_blocks = bool(include)
    db.session.flush()
    _settings_changed()
    return sub


def set_alarm(user: User, minutes: int | None) -> FeedSubscription:
    if minutes not in ALARM_CHOICES:
        raise DomainError("Choose no reminder, or 10, 15, 30 or 60 minutes.", field="alarm")
    sub = get_subscription(user)
    sub.alarm_minutes = minutes
    db.session.flush()
    _settings_changed()
    return sub


# ---------------------------------------------------------------------------
# Follows


def followable_series() -> list[Series]:
    """Series still running in the feed window, by title."""
    first, _last = feed_window()
    return list(
        db.session.scalars(select(Series).where(Series.ends_on >= first).order_by(Series.title))
    )


def followed_series_ids(user_id: int) -> set[int]:
    return set(
        db.session.scalars(select(SeriesFollow.series_id).where(SeriesFollow.user_id == user_id))
    )


def follow_series(user: User, series: Series) -> None:
    if db.session.get(SeriesFollow, (user.id, series.id)) is None:
        db.session.add(SeriesFollow(user_id=user.id, series_id=series.id))
        db.session.flush()
        _settings_changed()


def unfollow_series(user: User, series: Series) -> None:
    result = db.session.execute(
        delete(SeriesFollow).where(
            SeriesFollow.user_id == user.id, SeriesFollow.series_id == series.id
        )
    )
    if result.rowcount:  # type: ignore[attr-defined]
        _settings_changed()


# ---------------------------------------------------------------------------
# Window and event snapshots


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
    Session.video_url,
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
    revision and update time, and its slots' count and latest update (one query)."""
    rows = db.session.execute(
        select(
            Session.id,
            Session.revision,
            # Compared for equality only: skip the conversion to aware datetimes.
            type_coerce(Session.updated_at, String),
            func.count(TeachingSlot.id),
            type_coerce(func.max(TeachingSlot.updated_at), String),
        )
        .outerjoin(TeachingSlot, TeachingSlot.session_id == Session.id)
        .where(*_in_window(first, last))
        .group_by(Session.id, Session.revision, Session.updated_at)
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


# ---------------------------------------------------------------------------
# Renderings and caches


class Rendered:
    """One feed's ETag and gzip bytes (a tenth of the plain size, and what calendar
    clients ask for). The plain bytes are unpacked when a client asks for them, and kept
    in a smaller cache of their own, ``bodies``, for the next such client."""

    __slots__ = ("__weakref__", "_bodies", "etag", "event_count", "gzipped", "length")

    def __init__(self, body: bytes, event_count: int, bodies: LRU | None = None):
        self.etag = hashlib.sha256(body).hexdigest()[:40]  # hex digest, unquoted
        self.event_count = event_count
        self.length = len(body)
        self.gzipped = gzip.compress(body, compresslevel=6, mtime=0)
        self._bodies = bodies

    @property
    def body(self) -> bytes:
        bodies = self._bodies
        found = bodies.get(self.etag) if bodies is not None else None
        if found is None:
            found = gzip.decompress(self.gzipped)
            if bodies is not None:
                bodies.put(self.etag, found)
        return found

    @property
    def gzip_etag(self) -> str:
        return f"{self.etag}-gzip"

    def size(self) -> int:
        """Bytes this rendering keeps alive in its cache: the gzip bytes, and the key
        that refers to its events."""
        return len(self.gzipped) + 64 * self.event_count + 512


@dataclass(frozen=True)
class FeedResult:
    rendered: Rendered
    last_modified: datetime
    # The subscription row was updated: the caller commits.
    wrote: bool = False


# Shares of FEED_CACHE_MAX_BYTES: renderings (gzip bytes), plain bodies, serialised events.
RENDERINGS_SHARE = 0.5
BODIES_SHARE = 0.25
EVENTS_SHARE = 0.25


class FeedCaches:
    """In-process caches of one application. The renderings, the plain bodies and the
    serialised events are bounded by bytes (``FEED_CACHE_MAX_BYTES`` in all, default
    256 MB per process), least recently used first out; the per-address memos hold
    only weak references to renderings, so what the byte bound evicts is freed."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.windows = LRU("windows", maxsize=4)
        self.renderings = LRU(
            "renderings", max_bytes=int(max_bytes * RENDERINGS_SHARE), sizeof=Rendered.size
        )
        self.bodies = LRU("bodies", max_bytes=int(max_bytes * BODIES_SHARE), sizeof=len)
        self.personal = LRU("personal", maxsize=50_000)
        self.public = LRU("public", maxsize=2_000)
        self.since = LRU("since", maxsize=20_000)
        self.events = ical.EventCache(max_bytes=int(max_bytes * EVENTS_SHARE))
        self.renders = 0
        self.autocommit_engine = None
        self.counters: tuple[int, int] | None = None
        self.counters_checked_at = 0.0
        self.subscribers: dict | None = None
        self.subscribers_key: tuple[int, int] | None = None
        self.subscribers_loaded_at = 0.0

    def clear(self) -> None:
        for store in (
            self.windows,
            self.renderings,
            self.bodies,
            self.personal,
            self.public,
            self.since,
        ):
            store.clear()
        self.events.clear()
        self.renders = 0
        self.counters = None
        self.subscribers = None


_caches_lock = Lock()


def caches() -> FeedCaches:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("feeds")
    if found is None:
        with _caches_lock:
            found = app.extensions.setdefault(
                "feeds", FeedCaches(int(app.config["FEED_CACHE_MAX_BYTES"]))
            )
    return found


def event_options(alarm_minutes: int | None = None) -> ical.EventOptions:
    config = current_app.config
    return ical.EventOptions(
        zone=timeutil.program_zone(),
        uid_domain=config["FEED_UID_DOMAIN"],
        base_url=config["BASE_URL"],
        alarm_minutes=alarm_minutes,
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


@dataclass
class Subscriber:
    """What serving a personal feed needs from a subscription row (kept in memory)."""

    user_id: int
    alarm_minutes: int | None
    last_fetched_at: datetime | None
    content_etag: str
    content_changed_at: datetime | None
    include_blocks: bool = False


_COUNTERS = select(ChangeCounter.name, ChangeCounter.value).where(
    ChangeCounter.name.in_([SCHEDULE, FEED_SETTINGS])
)
_SUBSCRIBERS = (
    select(
        FeedSubscription.token_hash,
        FeedSubscription.user_id,
        FeedSubscription.alarm_minutes,
        FeedSubscription.last_fetched_at,
        FeedSubscription.content_etag,
        FeedSubscription.content_changed_at,
        FeedSubscription.include_blocks,
    )
    .join(User, User.id == FeedSubscription.user_id)
    .where(User.active == true())
)
# Subscriptions are read again at least this often, even if no counter moved (a
# deactivation that changes no audience does not bump one).
SUBSCRIBERS_MAX_AGE_SECONDS = 60


def _autocommit_engine():
    """The app's engine (same pool) in autocommit mode: a lone SELECT then costs one
    round trip, without BEGIN and the ROLLBACK on returning the connection."""
    store = caches()
    if store.autocommit_engine is None:
        store.autocommit_engine = db.engine.execution_options(isolation_level="AUTOCOMMIT")
    return store.autocommit_engine


def current_counters() -> tuple[int, int]:
    """(schedule, feed settings) counters, read at most every FEED_COUNTER_TTL_SECONDS.

    Calendar clients poll hourly; a change reaching this process up to a second later
    costs nothing, and spares a database round trip on every cached answer.
    """
    counters = _counters_in_memory()
    if counters is None:
        with _autocommit_engine().connect() as connection:
            values = dict(connection.execute(_COUNTERS).all())
        store = caches()
        store.counters = counters = (values.get(SCHEDULE) or 0, values.get(FEED_SETTINGS) or 0)
        store.counters_checked_at = time.monotonic()
    return counters


def _counters_in_memory() -> tuple[int, int] | None:
    """The counters if read less than FEED_COUNTER_TTL_SECONDS ago, else None."""
    store = caches()
    ttl = float(current_app.config.get("FEED_COUNTER_TTL_SECONDS", 1.0))
    if store.counters is None or time.monotonic() - store.counters_checked_at >= ttl:
        return None
    return store.counters


def subscribers(counters: tuple[int, int]) -> dict[str, Subscriber]:
    """Active subscriptions by token hash, read again when a counter moves (a reset,
    a new address, a reminder change, a roster change) or after a minute."""
    found = _subscribers_in_memory(counters)
    if found is None:
        with _autocommit_engine().connect() as connection:
            rows = connection.execute(_SUBSCRIBERS).all()
        store = caches()
        store.subscribers = found = {row[0]: Subscriber(*row[1:]) for row in rows}
        store.subscribers_key = counters
        store.subscribers_loaded_at = time.monotonic()
    return found


def _subscribers_in_memory(counters: tuple[int, int]) -> dict[str, Subscriber] | None:
    store = caches()
    if (
        store.subscribers is None
        or store.subscribers_key != counters
        or time.monotonic() - store.subscribers_loaded_at > SUBSCRIBERS_MAX_AGE_SECONDS
    ):
        return None
    return store.subscribers


def _forget_subscribers() -> None:
    """Changes made here are seen here at once (other processes: within the TTL)."""
    store = caches()
    store.subscribers = None
    store.counters = None


def token_is_active(token: str) -> bool:
    """Is this a person's current feed token (it stands for them where no one signs in)?"""
    return hash_token(token) in subscribers(current_counters())


def session_is_public(public_id: str) -> bool | None:
    """Whether a session belongs to a public series (None: no such session)."""
    session = schedule_services.get_session_by_public_id(public_id)
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
        rendered = render(header, chosen, event_options(sub.alarm_minutes), first, last, blocks)
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
    counters = _counters_in_memory()
    if counters is None:
        return None
    known = _subscribers_in_memory(counters)
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
    series = schedule_services.series_by_slug(slug)
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


def session_feed(public_id: str) -> FeedResult | None:
    """A one-event calendar for "Add to calendar"."""
    session = schedule_services.get_session_by_public_id(public_id)
    if session is None:
        return None
    day = timeutil.local_date(session.starts_at)
    (event,) = load_events(day, day, Session.id == session.id)
    rendered = render(calendar_header(session.title), [event], event_options(), day, day)
    return _public_result(f"session:{session.id}", rendered)
