"""Schedule test helpers: people in each role, signed-in clients, a signal recorder."""

from __future__ import annotations

from datetime import date, time

import pytest

from conferences.extensions import db
from conferences.schedule import signals


@pytest.fixture
def coordinator(make_user):
    return make_user(roles=("coordinator",), email="coord@example.test", name="Cora Coordinator")


@pytest.fixture
def login_as(client, auth):
    """``login_as(user)``: commit, then sign the test client in as ``user``."""

    def login(user):
        db.session.commit()
        response = auth.login(user.email)
        assert response.status_code == 302
        return client

    return login


@pytest.fixture
def changes():
    """Every ``session_changed`` signal sent during the test, as (session, change, actor)."""
    seen: list[tuple] = []

    def receiver(sender, **kw):
        seen.append((sender, kw["change"], kw.get("actor")))

    signals.session_changed.connect(receiver)
    yield seen
    signals.session_changed.disconnect(receiver)


def series_values(**kw) -> dict:
    """Valid values for ``create_series``; override what the test is about."""
    values = {
        "title": "Noon Conference",
        "kind": "noon_conference",
        "start_time": time(12),
        "end_time": time(13),
        "room": "Room 5A",
        "audience": {},
        "required": True,
        "frequency": "weekly",
        "interval": 1,
        "weekdays": [0, 1, 2, 3, 4],
        "starts_on": date(2026, 11, 9),
        "ends_on": date(2026, 11, 30),
        "topics": [],
    }
    values.update(kw)
    return values
