"""Attendance fixtures: a session open for check-in at the test clock, people, codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from conferences.attendance import checkin as codes
from conferences.extensions import db
from tests.rotations.conftest import make_block, make_rotation  # noqa: F401 - shared fixtures

# The clock fixture's default instant, Wed 4 Nov 2026 15:00 UTC, is 10:00 in New York.
SESSION_DAY = date(2026, 11, 4)
STARTS_AT = datetime(2026, 11, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def live_session(make_session):
    """``live_session(**columns)``: a required session starting at the clock's 10:00 local."""

    def make(**kw):
        return make_session(on=SESSION_DAY, start=time(10, 0), **kw)

    return make


@pytest.fixture
def coordinator(make_user):
    return make_user(roles=("coordinator",), email="coord@example.test", name="Cora Coordinator")


@pytest.fixture
def resident(make_resident):
    return make_resident(pgy=1, email="res@example.test", name="Rita Resident", on=SESSION_DAY)


def code_at(session, at: datetime) -> str:
    return codes.current_code(session.checkin_secret, at)


@pytest.fixture
def commit():
    def done():
        db.session.commit()

    return done
