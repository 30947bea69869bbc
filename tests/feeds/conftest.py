"""Feed test helpers: fresh caches, parsing feeds back, counting queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import icalendar
import pytest
import recurring_ical_events
from sqlalchemy import event

from conferences.extensions import db
from conferences.feeds.caches import caches
from conferences.feeds.subscriptions import feed_token
from tests.rotations.conftest import make_block, make_rotation  # noqa: F401 - shared fixtures


@pytest.fixture(autouse=True)
def _frozen_time(clock):
    """Feed windows depend on today: every feed test runs at the fixed clock (2026-11-04)."""
    return clock


@pytest.fixture(autouse=True)
def _fresh_feed_caches(request) -> Iterator[None]:
    """Rows (and so change counters) are wiped between tests: start each with empty caches,
    and read the counters on every request (tests change the schedule, then fetch)."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        caches().clear()
    app.config["FEED_COUNTER_TTL_SECONDS"] = 0
    yield
    app.config["FEED_COUNTER_TTL_SECONDS"] = 1.0


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def events_between(data: bytes, start: datetime, end: datetime) -> list:
    """Expand the feed with recurring-ical-events, as a calendar client would."""
    return recurring_ical_events.of(parse(data)).between(start, end)


def by_uid(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in parse(data).walk("VEVENT")}


def utc(value) -> datetime:
    return value.astimezone(UTC)


@pytest.fixture
def feed_url(app_ctx):
    """``feed_url(user)``: the path of the user's personal feed (committed)."""

    def make(user) -> str:
        token = feed_token(user)
        db.session.commit()
        return f"/feeds/{token}.ics"

    return make


@pytest.fixture
def fetch(client):
    """``fetch(path, **headers)``: GET a feed and check it is one."""

    def get(path: str, **headers):
        return client.get(path, headers=headers)

    return get


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app_ctx):
    """``with count_queries() as counter: ...`` counts SQL statements on the app's engine."""

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def listener(conn, cursor, statement, parameters, context, executemany):
            counter.statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)

    return counting


@pytest.fixture
def make_slot(app_ctx):
    """``make_slot(session, holder=None, role="lecturer", talk_title="")``."""
    from conferences.teaching.models import TeachingSlot

    def make(session, holder=None, role: str = "lecturer", talk_title: str = "", **kw):
        slot = TeachingSlot(
            session_id=session.id,
            role=role,
            holder_id=holder.id if holder else None,
            talk_title=talk_title,
            **kw,
        )
        db.session.add(slot)
        db.session.flush()
        return slot

    return make


@pytest.fixture
def changed(app_ctx):
    """Record a change made straight to the tables (services do this themselves)."""
    from conferences.program.services import bump_counter

    def bump() -> None:
        bump_counter()
        db.session.commit()

    return bump
