"""Conflicts are warned about, never blocking."""

from __future__ import annotations

from datetime import date, time

from conferences.schedule import conflicts, series_changes, session_changes
from tests.schedule.conftest import series_values

DAY = date(2026, 11, 12)


def test_room_double_booking_is_warned(app_ctx, clock, make_session, coordinator):
    make_session(on=DAY, start=time(12), room="Room 5A", title="Noon", required=False)
    session = session_changes.create_session(
        {
            "title": "Pharma lunch",
            "kind": "lecture",
            "day": DAY,
            "start_time": time(12, 30),
            "end_time": time(13, 30),
            "room": "room 5a",
        },
        coordinator,
    )
    warnings = conflicts.conflict_warnings([session])
    assert len(warnings) == 1
    assert "double-booked" in warnings[0]
    assert session.id  # saved anyway


def test_overlapping_required_sessions_for_overlapping_audiences(
    app_ctx, clock, make_session, coordinator
):
    make_session(on=DAY, start=time(12), room="A", title="Noon conference", audience={})
    make_session(
        on=DAY, start=time(12), room="B", title="PGY-3 board review", audience={"pgy": [3]}
    )
    values = {
        "kind": "case_based",
        "day": DAY,
        "start_time": time(12),
        "end_time": time(13),
        "required": True,
    }
    interns = session_changes.create_session(
        {**values, "title": "Intern report", "room": "C", "audience": {"pgy": [1]}}, coordinator
    )
    warnings = conflicts.conflict_warnings([interns])
    assert len(warnings) == 1
    assert "Noon conference" in warnings[0]
    assert "PGY-1" in warnings[0]
    optional = session_changes.create_session(
        {**values, "title": "Optional", "room": "D", "required": False}, coordinator
    )
    assert conflicts.conflict_warnings([optional]) == []


def test_cancelled_sessions_do_not_conflict(app_ctx, clock, make_session, coordinator):
    other = make_session(on=DAY, start=time(12), room="Room 5A")
    session_changes.cancel_session(other, "Off", coordinator)
    series = series_changes.create_series(series_values(), coordinator)
    result = series_changes.generate_sessions(series, coordinator)
    assert conflicts.conflict_warnings(result.created) == []


def test_generation_warns_through_the_page(login_as, coordinator, make_session, clock):
    make_session(on=date(2026, 11, 10), start=time(12), room="Room 5A", title="Booked")
    series = series_changes.create_series(series_values(), coordinator)
    client = login_as(coordinator)
    response = client.post(f"/series/{series.slug}/generate", follow_redirects=True)
    assert response.status_code == 200
    assert b"Created 16 session(s)" in response.data
    assert b"double-booked" in response.data
