"""The session editor page: one form for every value and the date; the end follows a new
start on the server; the warnings come back with the same values and "Save anyway"."""

from __future__ import annotations

import re
from datetime import date, time

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule import queries
from conferences.schedule.holidays import add_holiday


def _form(session, **changes) -> dict:
    data = {
        "title": session.title,
        "kind": session.kind,
        "required": "y",
        "day": timeutil.local_date(session.starts_at).isoformat(),
        "start_time": "12:00",
        "end_time": "13:00",
        "shown_start": "12:00",
        "shown_end": "13:00",
        "room": session.room,
    }
    data.update(changes)
    return data


def _value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, name
    found = re.search(r'value="([^"]*)"', tag.group(0))
    return found.group(1) if found else ""


def test_the_editor_holds_every_value_and_the_date(clock, coordinator, login_as, make_session):
    session = make_session(on=date(2026, 11, 12), room="Room 1")
    client = login_as(coordinator)
    page = client.get(f"/sessions/{session.public_id}/edit").text
    for name in ("title", "kind", "room", "video_url", "description", "pgy", "required"):
        assert f'name="{name}"' in page
    assert _value(page, "day") == "2026-11-12"
    assert (_value(page, "start_time"), _value(page, "end_time")) == ("12:00", "13:00")
    assert (_value(page, "shown_start"), _value(page, "shown_end")) == ("12:00", "13:00")
    assert "/move" not in page
    assert "Save anyway" not in page
    view = client.get(f"/sessions/{session.public_id}").text
    assert "Edit or move" in view
    assert f"/sessions/{session.public_id}/move" not in view


def test_a_new_start_moves_the_end_on_the_server(clock, coordinator, login_as, make_session):
    session = make_session(on=date(2026, 11, 12))
    client = login_as(coordinator)
    url = f"/sessions/{session.public_id}/edit"
    assert client.post(url, data=_form(session, start_time="14:00")).status_code == 303
    db.session.expire_all()
    assert queries.wall_times(session) == (time(14), time(15))
    # The end changed too: as typed. The form now shows 14:00-15:00.
    changed_both = _form(
        session, start_time="09:00", end_time="11:30", shown_start="14:00", shown_end="15:00"
    )
    assert client.post(url, data=changed_both).status_code == 303
    db.session.expire_all()
    assert queries.wall_times(session) == (time(9), time(11, 30))
    # Without the times shown (an old form), the times are taken as sent.
    plain = _form(session, start_time="10:00", end_time="11:30", shown_start="", shown_end="")
    assert client.post(url, data=plain).status_code == 303
    db.session.expire_all()
    assert queries.wall_times(session) == (time(10), time(11, 30))


def test_the_warnings_come_back_with_the_same_values(clock, coordinator, login_as, make_session):
    add_holiday("Christmas", date(2026, 12, 25))
    session = make_session(on=date(2026, 11, 12))
    client = login_as(coordinator)
    url = f"/sessions/{session.public_id}/edit"
    asked = client.post(url, data=_form(session, day="2026-12-25", start_time="13:00"))
    assert asked.status_code == 200
    page = asked.text
    assert "Christmas" in page
    assert 'id="edit-warnings"' in page
    assert _value(page, "day") == "2026-12-25"
    # The end followed the start, and that is what the form shows and sends again.
    assert (_value(page, "start_time"), _value(page, "end_time")) == ("13:00", "14:00")
    assert (_value(page, "shown_start"), _value(page, "shown_end")) == ("13:00", "14:00")
    db.session.expire_all()
    assert session.revision == 0
    again = {
        **_form(session, day="2026-12-25", start_time="13:00", end_time="14:00"),
        "shown_start": "13:00",
        "shown_end": "14:00",
        "acknowledged": _value(page, "acknowledged"),
        "save_anyway": "Save anyway",
    }
    saved = client.post(url, data=again)
    assert saved.status_code == 303
    db.session.expire_all()
    assert timeutil.local_date(session.starts_at) == date(2026, 12, 25)
    assert queries.wall_times(session) == (time(13), time(14))
    assert "It is on Fri 25 Dec 2026 13:00" in client.get(saved.headers["Location"]).text


def test_nonsense_in_the_shown_times_changes_nothing_odd(
    clock, coordinator, login_as, make_session
):
    session = make_session(on=date(2026, 11, 12))
    client = login_as(coordinator)
    url = f"/sessions/{session.public_id}/edit"
    data = _form(session, start_time="14:00", end_time="15:00", shown_start="25:99")
    assert client.post(url, data=data).status_code == 303
    db.session.expire_all()
    assert queries.wall_times(session) == (time(14), time(15))
