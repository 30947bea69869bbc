"""What each server process keeps in memory to serve feeds without asking the database.

Per application (``caches()``):

* each distinct feed rendering (gzip bytes, ETag), keyed by the set of sessions it
  holds and the reminder choice, so residents who see the same sessions share one; the
  plain bytes in a smaller cache of their own;
* serialised VEVENTs keyed by their snapshot (``ical.EventCache``), so a re-render after
  one session changed rebuilds only that event;
* the window's event snapshots (``feeds.window``);
* the two change counters, the schedule's (``program.services.counter_value``, bumped by
  every schedule, teaching and roster change) and ``feed_settings`` (bumped by following
  series and changing feed settings, so those do not throw away every rendering), read
  at most every ``FEED_COUNTER_TTL_SECONDS``; and the active subscriptions, read again
  when a counter moves.
"""

from __future__ import annotations

import gzip
import hashlib
import time
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select, true

from conferences.extensions import db
from conferences.feeds import ical
from conferences.feeds.models import FeedSubscription
from conferences.lru import LRU, per_app
from conferences.people.models import User
from conferences.program.models import ChangeCounter
from conferences.program.services import SCHEDULE

FEED_SETTINGS = "feed_settings"


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


def caches() -> FeedCaches:
    return per_app("feeds", lambda app: FeedCaches(int(app.config["FEED_CACHE_MAX_BYTES"])))


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
    counters = counters_in_memory()
    if counters is None:
        with _autocommit_engine().connect() as connection:
            values = dict(connection.execute(_COUNTERS).all())
        store = caches()
        store.counters = counters = (values.get(SCHEDULE) or 0, values.get(FEED_SETTINGS) or 0)
        store.counters_checked_at = time.monotonic()
    return counters


def counters_in_memory() -> tuple[int, int] | None:
    """The counters if read less than FEED_COUNTER_TTL_SECONDS ago, else None."""
    store = caches()
    ttl = float(current_app.config.get("FEED_COUNTER_TTL_SECONDS", 1.0))
    if store.counters is None or time.monotonic() - store.counters_checked_at >= ttl:
        return None
    return store.counters


def subscribers(counters: tuple[int, int]) -> dict[str, Subscriber]:
    """Active subscriptions by token hash, read again when a counter moves (a reset,
    a new address, a reminder change, a roster change) or after a minute."""
    found = subscribers_in_memory(counters)
    if found is None:
        with _autocommit_engine().connect() as connection:
            rows = connection.execute(_SUBSCRIBERS).all()
        store = caches()
        store.subscribers = found = {row[0]: Subscriber(*row[1:]) for row in rows}
        store.subscribers_key = counters
        store.subscribers_loaded_at = time.monotonic()
    return found


def subscribers_in_memory(counters: tuple[int, int]) -> dict[str, Subscriber] | None:
    """The active subscriptions if read for these counters less than
    SUBSCRIBERS_MAX_AGE_SECONDS ago, else None."""
    store = caches()
    if (
        store.subscribers is None
        or store.subscribers_key != counters
        or time.monotonic() - store.subscribers_loaded_at > SUBSCRIBERS_MAX_AGE_SECONDS
    ):
        return None
    return store.subscribers


def forget_subscribers() -> None:
    """Changes made here are seen here at once (other processes: within the TTL)."""
    store = caches()
    store.subscribers = None
    store.counters = None
