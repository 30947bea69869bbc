"""Factory fixtures: each returns a callable that creates and flushes one object."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import Firm, Role, Track, User
from conferences.schedule.models import Series, Session

PASSWORD = "correct-horse-battery"

_counter = itertools.count(1)


@pytest.fixture
def make_firm(app_ctx):
    def make(name: str | None = None) -> Firm:
        firm = Firm(name=name or f"Firm {next(_counter)}")
        db.session.add(firm)
        db.session.flush()
        return firm

    return make


@pytest.fixture
def make_track(app_ctx):
    def make(name: str | None = None) -> Track:
        track = Track(name=name or f"Track {next(_counter)}")
        db.session.add(track)
        db.session.flush()
        return track

    return make


@pytest.fixture
def make_user(app_ctx):
    """``make_user(roles=("faculty",), email=..., name=..., **columns)``."""

    def make(roles=("faculty",), email: str | None = None, name: str | None = None, **kw) -> User:
        n = next(_counter)
        user = User(email=email or f"user{n}@example.test", name=name or f"User {n}", **kw)
        user.set_password(kw.pop("password", PASSWORD) if "password" in kw else PASSWORD)
        user.set_roles({Role(r) for r in roles})
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def make_resident(make_user):
    """``make_resident(pgy=1, firm=None, track=None, on=None)``: PGY as of ``on`` or today."""

    def make(pgy: int = 1, firm: Firm | None = None, track: Track | None = None, on=None, **kw):
        year = timeutil.academic_year_of(on or timeutil.local_today())
        return make_user(
            roles=kw.pop("roles", ("resident",)),
            start_year=year - pgy + 1,
            firm_id=firm.id if firm else None,
            track_id=track.id if track else None,
            **kw,
        )

    return make


@pytest.fixture
def make_series(app_ctx):
    def make(**kw) -> Series:
        n = next(_counter)
        values = {
            "slug": f"series-{n}",
            "title": f"Series {n}",
            "kind": "noon_conference",
            "start_time": time(12, 0),
            "end_time": time(13, 0),
            "weekdays": [0, 1, 2, 3, 4],
            "starts_on": date(2026, 7, 1),
            "ends_on": date(2027, 6, 30),
            "required": True,
        }
        values.update(kw)
        series = Series(**values)
        db.session.add(series)
        db.session.flush()
        return series

    return make


@pytest.fixture
def make_session(app_ctx):
    """``make_session(on=date, start=time(12), minutes=60, **columns)``: local wall time."""

    def make(on: date | None = None, start: time = time(12, 0), minutes: int = 60, **kw):
        n = next(_counter)
        day = on or (timeutil.local_today() + timedelta(days=1))
        starts_at: datetime = timeutil.localize(day, start)
        values = {
            "title": f"Session {n}",
            "kind": "lecture",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=minutes),
            "required": True,
            "room": "Room 1",
            # Entered ahead of time, as the schedule is (a session created after it ended
            # is a back-dated one, which the attendance rules treat apart).
            "created_at": min(timeutil.now_utc(), starts_at - timedelta(days=30)),
        }
        values.update(kw)
        session = Session(**values)
        db.session.add(session)
        db.session.flush()
        return session

    return make
