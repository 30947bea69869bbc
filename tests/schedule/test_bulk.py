"""Bulk changes: cancel a day or a date range with one reason and one notice per person;
move a series' remaining sessions to a new time or room (wall-clock, across DST)."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from conferences import timeutil
from conferences.audit.models import AuditEvent
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.schedule import bulk, series_changes
from conferences.schedule.models import Session

TOMORROW = date(2026, 11, 5)  # the clock fixture's today is Wed 4 Nov 2026 (New York)


def _statuses(*sessions) -> list[str]:
    db.session.expire_all()
    return [db.session.get(Session, s.id).status for s in sessions]


def _hidden_fields(page: str) -> dict[str, list[str]]:
    """The hidden inputs of the page's last form (the preview's apply button), by name."""
    last_form = page.rsplit("<form", 1)[1]
    found: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", last_form):
        if 'type="hidden"' in tag:
            name = re.search(r'name="([^"]*)"', tag).group(1)
            value = re.search(r'value="([^"]*)"', tag)
            found.setdefault(name, []).append(html.unescape(value.group(1)) if value else "")
    return found


# ---------------------------------------------------------------- cancelling days


def test_cancel_a_day_cancels_every_session_of_that_day_only(clock, coordinator, make_session):
    morning = make_session(on=TOMORROW, start=time(8, 0))
    noon = make_session(on=TOMORROW, start=time(12, 0))
    next_day = make_session(on=TOMORROW + timedelta(days=1), start=time(12, 0))

    cancelled = bulk.cancel_days(TOMORROW, None, "Snow day", coordinator)
    db.session.commit()

    assert {s.id for s in cancelled} == {morning.id, noon.id}
    assert _statuses(morning, noon, next_day) == ["cancelled", "cancelled", "scheduled"]
    assert db.session.get(Session, noon.id).cancel_reason == "Snow day"
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.cancel"))
    assert sorted(e.object_id for e in events) == sorted([morning.id, noon.id])


def test_cancel_a_date_range_and_bad_input_changes_nothing(clock, coordinator, make_session):
    sessions = [make_session(on=TOMORROW + timedelta(days=n)) for n in range(4)]
    db.session.commit()

    with pytest.raises(DomainError, match="Say why"):
        bulk.cancel_days(TOMORROW, TOMORROW + timedelta(days=2), "  ", coordinator)
    with pytest.raises(DomainError, match="must not be before"):
        bulk.cancel_days(TOMORROW, TOMORROW - timedelta(days=1), "Event", coordinator)
    db.session.rollback()
    assert _statuses(*sessions) == ["scheduled"] * 4

    bulk.cancel_days(TOMORROW, TOMORROW + timedelta(days=2), "Hospital event", coordinator)
    db.session.commit()
    assert _statuses(*sessions) == ["cancelled"] * 3 + ["scheduled"]


def test_cancelling_a_day_sends_each_resident_one_notice(
    clock, coordinator, make_session, make_resident
):
    residents = [make_resident(pgy=1), make_resident(pgy=2)]
    today = timeutil.local_today()
    make_session(on=today, start=time(12, 0), title="Noon Conference")
    make_session(on=today, start=time(16, 0), title="Grand Rounds")
    db.session.commit()

    bulk.cancel_days(today, None, "Snow day", coordinator)
    db.session.commit()

    for resident in residents:
        mine = list(
            db.session.scalars(
                select(OutboxMessage).where(OutboxMessage.recipient_id == resident.id)
            )
        )
        assert len(mine) == 1
        assert "Noon Conference" in mine[0].body
        assert "Grand Rounds" in mine[0].body
        assert "Reason: Snow day" in mine[0].body


def test_the_cancel_page_previews_then_cancels_what_was_shown(
    clock, coordinator, make_session, login_as
):
    shown = make_session(on=TOMORROW, title="Morning Report")
    client = login_as(coordinator)
    data = {"first_on": TOMORROW.isoformat(), "reason": "Snow day"}

    preview = client.post("/schedule/cancel-days", data=data)
    assert preview.status_code == 200
    assert "1 session(s) will be cancelled" in preview.text
    assert "Morning Report" in preview.text
    assert _statuses(shown) == ["scheduled"]  # a preview changes nothing

    posted = _hidden_fields(preview.text)
    assert posted["confirm"] == ["1"]
    assert posted["session_ids"] == [str(shown.id)]
    assert posted["reason"] == ["Snow day"]
    added_since = make_session(on=TOMORROW, start=time(15, 0), title="Added later")
    db.session.commit()
    response = client.post(
        "/schedule/cancel-days", data={name: values[0] for name, values in posted.items()}
    )
    assert response.status_code == 303
    assert _statuses(shown, added_since) == ["cancelled", "scheduled"]


def test_the_cancel_page_refuses_a_missing_reason(clock, coordinator, make_session, login_as):
    session = make_session(on=TOMORROW)
    client = login_as(coordinator)
    response = client.post(
        "/schedule/cancel-days",
        data={"first_on": TOMORROW.isoformat(), "confirm": "1", "session_ids": str(session.id)},
    )
    assert response.status_code == 400
    assert "Say why the sessions are cancelled." in response.text
    assert _statuses(session) == ["scheduled"]


# ---------------------------------------------------------------- moving a series


@pytest.fixture
def weekly(clock, coordinator, make_series):
    """A Monday noon series from 19 Oct to 16 Nov 2026; clocks go back on 1 Nov."""
    clock.set(datetime(2026, 10, 1, 12, 0, tzinfo=UTC))
    series = make_series(
        title="Journal Club",
        weekdays=[0],
        starts_on=date(2026, 10, 19),
        ends_on=date(2026, 11, 16),
        room="Room 1",
    )
    series_changes.generate_sessions(series, coordinator)
    db.session.commit()
    return series


def _local(session: Session) -> tuple[str, str]:
    db.session.refresh(session)
    return timeutil.format_local(session.starts_at, "%m-%d %H:%M"), session.room


def test_moving_the_remaining_sessions_keeps_wall_clock_times_across_dst(weekly, coordinator):
    before = list(weekly.sessions)
    moved = bulk.move_series_from(
        weekly, date(2026, 10, 26), coordinator, start_time=time(13, 0), end_time=time(14, 0)
    )
    db.session.commit()

    assert len(moved) == 4
    assert [_local(s) for s in before] == [
        ("10-19 12:00", "Room 1"),  # before the date: untouched
        ("10-26 13:00", "Room 1"),
        ("11-02 13:00", "Room 1"),
        ("11-09 13:00", "Room 1"),
        ("11-16 13:00", "Room 1"),
    ]
    # 13:00 EDT is 17:00 UTC, 13:00 EST is 18:00 UTC.
    assert before[1].starts_at.astimezone(UTC).hour == 17
    assert before[2].starts_at.astimezone(UTC).hour == 18
    assert (weekly.start_time, weekly.end_time) == (time(13, 0), time(14, 0))
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "series.move_remaining"))


def test_moving_to_a_new_room_only(weekly, coordinator):
    plans = bulk.plan_series_move(weekly, date(2026, 11, 9), room="Auditorium")
    assert len(plans) == 2
    bulk.move_series_from(weekly, date(2026, 11, 9), coordinator, room="Auditorium")
    db.session.commit()
    assert [_local(s) for s in weekly.sessions][-3:] == [
        ("11-02 12:00", "Room 1"),
        ("11-09 12:00", "Auditorium"),
        ("11-16 12:00", "Auditorium"),
    ]


def test_moving_needs_a_change(weekly, coordinator):
    with pytest.raises(DomainError, match="new time, a new room"):
        bulk.plan_series_move(weekly, date(2026, 11, 9))
    with pytest.raises(DomainError, match="both the new start and end"):
        bulk.plan_series_move(weekly, date(2026, 11, 9), start_time=time(13, 0))
    with pytest.raises(DomainError, match="would change"):
        bulk.move_series_from(weekly, date(2026, 11, 9), coordinator, room="Room 1")


def test_the_move_page_previews_then_moves(weekly, coordinator, login_as):
    client = login_as(coordinator)
    data = {"from_on": "2026-11-02", "start_time": "08:00", "end_time": "09:00", "room": ""}

    preview = client.post(f"/series/{weekly.slug}/move-remaining", data=data)
    assert preview.status_code == 200
    assert "3 session(s) will move" in preview.text
    assert [_local(s)[0] for s in weekly.sessions][-1] == "11-16 12:00"

    # The preview's form carries exactly what the button applies.
    posted = _hidden_fields(preview.text)
    assert posted["confirm"] == ["1"]
    assert posted["session_ids"] == [",".join(str(s.id) for s in weekly.sessions[2:])]
    response = client.post(
        f"/series/{weekly.slug}/move-remaining",
        data={name: values[0] for name, values in posted.items()},
    )
    assert response.status_code == 303
    assert [_local(s)[0] for s in weekly.sessions] == [
        "10-19 12:00",
        "10-26 12:00",
        "11-02 08:00",
        "11-09 08:00",
        "11-16 08:00",
    ]


def test_the_command_line_cancels_a_day(clock, runner, make_session):
    session = make_session(on=TOMORROW, title="Morning Report")
    db.session.commit()

    result = runner.invoke(args=["schedule", "cancel-days", "2026-11-05", "--reason", "Snow"])
    assert result.exit_code == 0, result.output
    assert "Morning Report" in result.output
    assert "Cancelled 1 session(s)." in result.output
    assert _statuses(session) == ["cancelled"]

    result = runner.invoke(args=["schedule", "cancel-days", "2026-11-05", "--reason", "Snow"])
    assert result.exit_code != 0
    assert "nothing to cancel" in result.output


def test_each_day_of_the_calendar_offers_to_cancel_it(clock, coordinator, make_session, login_as):
    make_session(on=TOMORROW, title="Morning Report")
    client = login_as(coordinator)
    page = client.get(f"/schedule?view=week&date={TOMORROW.isoformat()}").text
    link = f'href="/schedule/cancel-days?date={TOMORROW.isoformat()}"'
    assert link in page
    form = client.get(f"/schedule/cancel-days?date={TOMORROW.isoformat()}").text
    assert f'value="{TOMORROW.isoformat()}"' in form  # the day is filled in
