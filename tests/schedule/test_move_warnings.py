"""Moving a session (in its editor) onto a holiday, a blackout, the past or years ahead asks
first: the form comes back with the warnings and "Save anyway"; nothing is saved until then.
The former Move page sends old links to the editor."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule.holidays import add_holiday


def _move(client, session, day: date, **extra):
    data = {
        "title": session.title,
        "kind": session.kind,
        "required": "y",
        "day": day.isoformat(),
        "start_time": "12:00",
        "end_time": "13:00",
        "room": "R1",
    }
    return client.post(f"/sessions/{session.public_id}/edit", data={**data, **extra})


def _token(page: str) -> str:
    found = re.search(r'name="acknowledged" type="hidden" value="(\w+)"', page) or re.search(
        r'name="acknowledged" value="(\w+)"', page
    )
    assert found, "the warnings' token is carried by the form"
    return found.group(1)


@pytest.mark.parametrize(
    ("day", "words"),
    [
        (date(2026, 12, 25), "Christmas"),
        (date(2026, 12, 29), "Winter break"),
        (date(2026, 10, 1), "in the past"),
        (date(2029, 1, 10), "more than a year ahead"),
    ],
)
def test_odd_dates_warn_before_saving_and_save_anyway_goes_on(
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
    assert "Check before saving" in asked.text
    assert 'value="Save anyway"' in asked.text
    assert f'value="{day.isoformat()}"' in asked.text  # the same values come back
    db.session.expire_all()
    assert session.starts_at == before  # nothing saved yet
    assert session.revision == 0
    # "Save" again (not "Save anyway") asks again.
    again = _move(client, session, day, acknowledged=_token(asked.text))
    assert again.status_code == 200
    assert words in again.text
    moved = _move(client, session, day, acknowledged=_token(asked.text), save_anyway="Save anyway")
    assert moved.status_code == 303
    db.session.expire_all()
    assert timeutil.local_date(session.starts_at) == day
    assert session.room == "R1"


def test_save_anyway_with_other_warnings_asks_again(clock, coordinator, login_as, make_session):
    """The token names the warnings seen: a different date's warnings are asked anew."""
    add_holiday("Christmas", date(2026, 12, 25))
    add_holiday("Boxing Day", date(2026, 12, 26))
    session = make_session(on=date(2026, 11, 12))
    before = session.starts_at
    db.session.commit()
    client = login_as(coordinator)
    asked = _move(client, session, date(2026, 12, 25))
    token = _token(asked.text)
    other = _move(
        client, session, date(2026, 12, 26), acknowledged=token, save_anyway="Save anyway"
    )
    assert other.status_code == 200
    assert "Boxing Day" in other.text
    db.session.expire_all()
    assert session.starts_at == before


def test_an_ordinary_date_moves_at_once(clock, coordinator, login_as, make_session):
    session = make_session(on=date(2026, 11, 12))
    db.session.commit()
    client = login_as(coordinator)
    day = date(2026, 11, 12) + timedelta(days=1)
    assert _move(client, session, day).status_code == 303
    db.session.expire_all()
    assert timeutil.local_date(session.starts_at) == day


def test_the_former_move_page_sends_old_links_to_the_editor(
    clock, coordinator, login_as, make_session
):
    session = make_session(on=date(2026, 11, 12))
    client = login_as(coordinator)
    response = client.get(f"/sessions/{session.public_id}/move")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/sessions/{session.public_id}/edit")
    assert client.get("/sessions/no-such-session/move").status_code == 404
