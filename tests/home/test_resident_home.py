"""The resident home answers "where do I need to be": today's and the next sessions of the
resident's audience, an open check-in one tap away, and what changed since the last visit."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time, timedelta

from sqlalchemy import event, select

from conferences.attendance.models import Attendance, Excusal
from conferences.extensions import db
from conferences.home.models import HomeVisit
from conferences.schedule import session_changes
from conferences.teaching import handover, slots
from tests.attendance.conftest import SESSION_DAY, code_at

# The clock fixture: Wed 4 Nov 2026 15:00 UTC, 10:00 in New York.


@contextmanager
def counting():
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _agenda_item(page: str, session) -> str:
    start = page.index(f'id="agenda-{session.public_id}"')
    return page[start : page.index("</li>", start)]


def test_home_lists_today_and_next_sessions_of_the_audience_with_room_video_and_status(
    client, auth, clock, make_resident, make_session
):
    resident = make_resident(pgy=1, email="res@example.test", on=SESSION_DAY)
    noon = make_session(
        on=SESSION_DAY,
        start=time(12, 0),
        title="Noon Conference",
        room="Auditorium B",
        video_url="https://video.example.test/noon",
    )
    optional = make_session(
        on=SESSION_DAY, start=time(16, 0), title="Optional Talk", required=False
    )
    seniors = make_session(
        on=SESSION_DAY, start=time(13, 0), title="Seniors Only", audience={"pgy": [3]}
    )
    tomorrow = make_session(on=SESSION_DAY + timedelta(days=1), title="Grand Rounds")
    far = make_session(on=SESSION_DAY + timedelta(days=20), title="Far Away")
    db.session.commit()
    auth.login(resident.email)

    page = client.get("/").text

    assert "Noon Conference" in page
    assert "Auditorium B" in page
    assert 'href="https://video.example.test/noon"' in page
    assert "Required" in _agenda_item(page, noon)
    assert "Optional" in _agenda_item(page, optional)
    assert "Grand Rounds" in _agenda_item(page, tomorrow)
    # Not the resident's audience, or beyond the coming week: not listed.
    assert "Seniors Only" not in page
    assert seniors.public_id not in page
    assert far.public_id not in page
    # Not open yet: the page says when check-in opens instead of offering the button.
    assert "Check-in opens 11:45" in _agenda_item(page, noon)
    assert "agenda-checkin" not in page


def test_excused_sessions_say_so(client, auth, clock, make_resident, make_session):
    resident = make_resident(pgy=1, email="res@example.test", on=SESSION_DAY)
    session = make_session(on=SESSION_DAY + timedelta(days=1), title="Morning Report")
    db.session.add(
        Excusal(
            resident_id=resident.id,
            starts_on=SESSION_DAY + timedelta(days=1),
            ends_on=SESSION_DAY + timedelta(days=1),
            reason="conference_travel",
            status="approved",
        )
    )
    db.session.commit()
    auth.login(resident.email)

    item = _agenda_item(client.get("/").text, session)

    assert "Excused" in item


def test_open_check_in_is_one_post_from_home_through_the_check_in_service(
    client, auth, clock, make_resident, make_session
):
    resident = make_resident(pgy=1, email="res@example.test", on=SESSION_DAY)
    session = make_session(on=SESSION_DAY, start=time(10, 0), title="Morning Report")
    db.session.commit()
    auth.login(resident.email)

    page = client.get("/").text
    item = _agenda_item(page, session)
    assert "agenda-checkin" in item
    assert f'action="/sessions/{session.public_id}/checkin"' in item

    wrong = client.post(f"/sessions/{session.public_id}/checkin", data={"code": "ZZZZZZ"})
    assert wrong.status_code == 400  # the same rules as a scanned code
    assert db.session.scalars(select(Attendance)).first() is None

    done = client.post(
        f"/sessions/{session.public_id}/checkin", data={"code": code_at(session, clock())}
    )
    assert done.status_code == 303
    row = db.session.scalars(select(Attendance)).one()
    assert (row.resident_id, row.mark, row.source) == (resident.id, "present", "checkin")

    again = _agenda_item(client.get("/").text, session)
    assert "Checked in" in again
    assert "agenda-checkin" not in again


def test_changes_since_the_last_visit_are_marked_and_stay_for_the_sitting(
    client, auth, clock, make_user, make_resident, make_session
):
    coordinator = make_user(roles=("coordinator",))
    faculty = make_user(roles=("faculty",), name="Dr Fay Faculty")
    resident = make_resident(pgy=1, email="res@example.test", on=SESSION_DAY)
    day = SESSION_DAY + timedelta(days=2)
    moved = make_session(on=day, start=time(12, 0), title="To Be Moved")
    cancelled = make_session(on=day, start=time(8, 0), title="To Be Cancelled")
    presented = make_session(on=day, start=time(16, 0), title="Gets A Presenter")
    untouched = make_session(on=day, start=time(17, 0), title="Untouched")
    slot = slots.add_slot(presented, "lecturer", "faculty", coordinator)
    db.session.commit()
    auth.login(resident.email)

    first = client.get("/").text
    assert "agenda-change" not in first
    assert "From your next visit" in first

    clock.advance(hours=2)
    session_changes.move_session(
        moved, day + timedelta(days=1), time(13, 0), time(14, 0), coordinator
    )
    session_changes.cancel_session(cancelled, "Snow day", coordinator)
    handover.assign_slot(slot, faculty, coordinator)
    db.session.commit()
    clock.advance(hours=1)

    page = client.get("/").text
    assert "Moved from" in _agenda_item(page, moved)
    assert "Cancelled" in _agenda_item(page, cancelled)
    assert "New presenter" in _agenda_item(page, presented)
    assert "Dr Fay Faculty" in _agenda_item(page, presented)
    assert "agenda-change" not in _agenda_item(page, untouched)

    # A reload a few minutes later is the same sitting: the marks are still there.
    clock.advance(minutes=5)
    assert "Moved from" in _agenda_item(client.get("/").text, moved)

    # The next sitting compares with what this one showed: nothing new to mark.
    clock.advance(hours=3)
    assert "agenda-change" not in client.get("/").text
    assert db.session.get(HomeVisit, resident.id) is not None


def test_a_session_moved_out_of_the_week_is_reported(
    client, auth, clock, make_user, make_resident, make_session
):
    coordinator = make_user(roles=("coordinator",))
    resident = make_resident(pgy=1, email="res@example.test", on=SESSION_DAY)
    session = make_session(on=SESSION_DAY + timedelta(days=3), title="Journal Club")
    db.session.commit()
    auth.login(resident.email)
    client.get("/")

    clock.advance(hours=1)
    session_changes.move_session(session, date(2026, 12, 2), time(12, 0), time(13, 0), coordinator)
    db.session.commit()
    clock.advance(hours=1)

    page = client.get("/").text
    assert "Also changed this week" in page
    assert "Journal Club, was" in page
    assert "now Wed 02 Dec 2026" in page


def test_home_query_count_does_not_grow_with_the_sessions(
    client, auth, clock, make_user, make_resident, make_session
):
    coordinator = make_user(roles=("coordinator",))
    faculty = make_user(roles=("faculty",))
    resident = make_resident(pgy=1, email="res@example.test", on=SESSION_DAY)
    first = make_session(on=SESSION_DAY, start=time(10, 0))
    handover.assign_slot(
        slots.add_slot(first, "lecturer", "faculty", coordinator), faculty, coordinator
    )
    db.session.commit()
    auth.login(resident.email)
    client.get("/")  # the first visit creates the visit row
    clock.advance(hours=1)
    with counting() as few:
        assert client.get("/").status_code == 200

    for n in range(12):
        session = make_session(on=SESSION_DAY + timedelta(days=n % 6), start=time(7 + n % 9, 0))
        slot = slots.add_slot(session, "lecturer", "faculty", coordinator)
        handover.assign_slot(slot, faculty, coordinator)
    db.session.commit()
    clock.advance(hours=1)
    with counting() as many:
        page = client.get("/")
    assert page.status_code == 200
    assert page.text.count('id="agenda-') >= 6
    assert len(many) == len(few), (len(few), len(many))
