"""Typed times on the nights clocks change: a time that does not exist is refused, a
repeated one is chosen on the form, the typed length is kept, feeds name one instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import icalendar
import pytest
import recurring_ical_events

from conferences import timeutil
from conferences.errors import DomainError, TimeChoiceNeeded
from conferences.extensions import db
from conferences.schedule import session_changes
from conferences.schedule.models import Session

FALL_BACK = date(2026, 11, 1)
SPRING_FORWARD = date(2027, 3, 14)


def _values(day, start, end, **kw):
    return {
        "title": "Night float teaching",
        "kind": "lecture",
        "day": day,
        "start_time": start,
        "end_time": end,
        **kw,
    }


def test_timeutil_knows_skipped_and_repeated_times(app_ctx):
    assert timeutil.is_skipped(SPRING_FORWARD, time(2, 30))
    assert not timeutil.is_skipped(SPRING_FORWARD, time(3, 30))
    assert timeutil.is_repeated(FALL_BACK, time(1, 30))
    assert not timeutil.is_repeated(FALL_BACK, time(2, 30))
    assert timeutil.repeated_choices(FALL_BACK, time(1, 30)) == [
        ("first", "first 01:30 (EDT)"),
        ("second", "second 01:30 (EST)"),
    ]


def test_a_time_that_does_not_exist_is_refused(app_ctx):
    with pytest.raises(DomainError, match="does not exist") as refused:
        session_changes.create_session(_values(SPRING_FORWARD, time(2, 30), time(3, 30)), None)
    assert refused.value.field == "start_time"


def test_a_repeated_time_needs_a_choice_and_keeps_the_typed_length(app_ctx):
    with pytest.raises(TimeChoiceNeeded) as asked:
        session_changes.create_session(_values(FALL_BACK, time(1, 30), time(2, 30)), None)
    assert "happens twice" in asked.value.message
    assert [label for _, label in asked.value.choices] == [
        "first 01:30 (EDT)",
        "second 01:30 (EST)",
    ]
    first = session_changes.create_session(
        _values(FALL_BACK, time(1, 30), time(2, 30), repeated_time="first"), None
    )
    second = session_changes.create_session(
        _values(FALL_BACK, time(1, 30), time(2, 30), repeated_time="second"), None
    )
    assert first.starts_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert second.starts_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    for session in (first, second):
        assert (session.ends_at - session.starts_at).total_seconds() == 3600


def test_the_form_offers_both_readings_then_saves_the_chosen_one(clock, coordinator, login_as):
    client = login_as(coordinator)
    data = {
        "title": "Night float",
        "kind": "lecture",
        "day": FALL_BACK.isoformat(),
        "start_time": "01:30",
        "end_time": "02:30",
    }
    asked = client.post("/sessions/new", data=data)
    assert asked.status_code == 200
    assert "first 01:30 (EDT)" in asked.text
    assert "second 01:30 (EST)" in asked.text
    assert 'id="problem-summary"' in asked.text
    saved = client.post("/sessions/new", data={**data, "repeated_time": "second"})
    assert saved.status_code == 303
    session = db.session.scalar(db.select(Session))
    assert session.starts_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert session.ends_at == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    gap = client.post(
        "/sessions/new",
        data={
            **data,
            "day": SPRING_FORWARD.isoformat(),
            "start_time": "02:30",
            "end_time": "03:30",
        },
    )
    assert gap.status_code == 200
    assert "does not exist" in gap.text


def test_feeds_write_the_repeated_hour_in_utc(clock, client, make_session, make_series):
    public = make_series(public=True)
    session = make_session(title="Night float", series_id=public.id)
    session.starts_at = datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # first 01:30 (EDT)
    session.ends_at = datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST: repeated too
    noon = make_session(on=date(2026, 11, 2), title="Noon", series_id=public.id)
    db.session.commit()
    data = client.get(f"/sessions/{session.public_id}.ics").data
    assert b"DTSTART:20261101T053000Z" in data
    assert b"DTEND:20261101T063000Z" in data
    calendar = icalendar.Calendar.from_ical(data)
    (event,) = recurring_ical_events.of(calendar).between(
        datetime(2026, 10, 31, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    )
    assert event.DTSTART.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    # recurring-ical-events shows instants in X-WR-TIMEZONE and drops the fold of the
    # second 01:30, so the end is read from icalendar's own parse: one UTC instant.
    (parsed,) = calendar.walk("VEVENT")
    assert datetime(2026, 11, 1, 6, 30, tzinfo=UTC) == parsed.DTEND
    other = client.get(f"/sessions/{noon.public_id}.ics").data
    assert b"DTSTART;TZID=America/New_York:20261102T120000" in other
