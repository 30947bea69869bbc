"""Moving a session onto a holiday, a blackout, the past or years ahead asks first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule.holidays import add_holiday


def _move(client, session, day: date, **extra):
    data = {"day": day.isoformat(), "start_time": "12:00", "end_time": "13:00", "room": "R1"}
    return client.post(f"/sessions/{session.public_id}/move", data={**data, **extra})


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 12, 25), "Christmas"),
        (date(2026, 12, 29), "Winter break"),
        (date(2026, 10, 1), "in the past"),
        (date(2029, 1, 10), "more than a year ahead"),
    ],
)
def test_odd_dates_warn_before_saving_and_the_box_goes_on(
    clock, coordinator, login_as, make_session, day, words
):
    add_holiday("Christmas", date(2026, 12, 25))
    add_holiday("Winter break", date(2026, 12, 28), date(2026, 12, 31))
    session = make_session(on=date(2026, 11, 12))
    before = session.starts_at
    db.session.commit()
    client = login_as(coordinator)
    asked = _move(client, session, day)
    assert asked.status_code == 200
    assert words in asked.text
    assert "Yes, move it to that date anyway" in asked.text
    db.session.expire_all()
    assert session.starts_at == before  # nothing saved yet
    moved = _move(client, session, day, go_ahead="y")
    assert moved.status_code == 303
    db.session.expire_all()
    assert timeutil.local_date(session.starts_at) == day


def test_an_ordinary_date_moves_at_once(clock, coordinator, login_as, make_session):
    session = make_session(on=date(2026, 11, 12))
    db.session.commit()
    client = login_as(coordinator)
    assert _move(client, session, date(2026, 11, 12) + timedelta(days=1)).status_code == 303
