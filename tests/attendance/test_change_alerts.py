"""Short-notice change alerts: a session cancelled, moved or given a new room shortly before
it starts is e-mailed at once to everyone expected at it, once per change and person."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import change_alerts
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.people.services import set_change_alerts
from conferences.program.services import get_settings
from conferences.schedule import deletion, session_changes


def _messages(to=None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        stmt = stmt.where(OutboxMessage.recipient_id == to.id)
    return list(db.session.scalars(stmt))


@pytest.fixture
def people(make_user, make_resident):
    """A coordinator, two PGY-1 residents and one PGY-2 (outside the PGY-1 audience)."""
    return {
        "coordinator": make_user(roles=("coordinator",), name="Cora Coordinator"),
        "ada": make_resident(pgy=1, name="Ada Intern"),
        "ben": make_resident(pgy=1, name="Ben Intern"),
        "senior": make_resident(pgy=2, name="Sam Senior"),
    }


@pytest.fixture
def soon(make_session, clock):
    """``soon(hours=2, **columns)``: a PGY-1 session starting ``hours`` from the clock."""

    def make(hours: float = 2, **kw):
        starts_at = clock() + timedelta(hours=hours)
        kw.setdefault("audience", {"pgy": [1]})
        return make_session(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1), **kw)

    return make


def test_a_cancellation_two_hours_ahead_emails_the_audience_once(people, soon):
    session = soon(hours=2, title="Noon Conference")
    db.session.commit()

    session_changes.cancel_session(session, "Speaker ill", people["coordinator"])
    db.session.commit()

    for name in ("ada", "ben"):
        mine = _messages(to=people[name])
        assert len(mine) == 1
        assert mine[0].subject.startswith("Cancelled: Noon Conference")
        assert "Reason: Speaker ill" in mine[0].body
        assert "/account/password" in mine[0].body  # how to turn them off
    assert _messages(to=people["senior"]) == []  # not in the audience
    assert _messages(to=people["coordinator"]) == []
    assert len(_messages()) == 2


def test_a_cancellation_two_weeks_ahead_sends_nothing(people, soon):
    session = soon(hours=24 * 14)
    db.session.commit()

    session_changes.cancel_session(session, "Room closed", people["coordinator"])
    db.session.commit()

    assert _messages() == []


def test_the_window_is_the_program_setting(people, soon):
    session = soon(hours=60)
    get_settings().change_alert_hours = 72
    db.session.commit()

    session_changes.cancel_session(session, "Room closed", people["coordinator"])
    db.session.commit()
    assert len(_messages()) == 2


def test_a_setting_of_zero_turns_the_alerts_off(people, soon):
    session = soon(hours=2)
    get_settings().change_alert_hours = 0
    db.session.commit()

    session_changes.cancel_session(session, "Room closed", people["coordinator"])
    db.session.commit()
    assert _messages() == []


def test_a_person_who_turned_alerts_off_gets_none(people, soon):
    session = soon(hours=2)
    set_change_alerts(people["ada"], False)
    db.session.commit()

    session_changes.cancel_session(session, "Speaker ill", people["coordinator"])
    db.session.commit()

    assert _messages(to=people["ada"]) == []
    assert len(_messages(to=people["ben"])) == 1


def test_repeating_the_action_sends_nothing_new(people, soon, clock):
    session = soon(hours=2)
    db.session.commit()
    session_changes.cancel_session(session, "Speaker ill", people["coordinator"])
    db.session.commit()
    assert len(_messages()) == 2

    with pytest.raises(DomainError):
        session_changes.cancel_session(session, "Speaker ill", people["coordinator"])
    db.session.rollback()
    clock.advance(minutes=5)
    # The same change noted again (a retried request, a second listener) is not resent:
    # the notice is the same session and revision, so its dedupe key is too.
    notices = change_alerts.collect({session: True}, {session: {"status": "scheduled"}})
    assert [n.what for n in notices] == ["cancelled"]
    assert change_alerts.send_alerts(notices) == 0
    db.session.commit()
    assert len(_messages()) == 2


def test_several_sessions_changed_in_one_action_make_one_message_per_person(people, soon):
    first = soon(hours=2, title="Morning Report")
    second = soon(hours=5, title="Noon Conference")
    far = soon(hours=24 * 10, title="Grand Rounds")
    db.session.commit()

    for session in (first, second, far):
        session_changes.cancel_session(session, "Snow day", people["coordinator"])
    db.session.commit()

    mine = _messages(to=people["ada"])
    assert len(mine) == 1
    assert "2 of your sessions" in mine[0].subject
    assert "2 sessions you are expected at changed shortly before they start" in mine[0].body
    assert "Morning Report" in mine[0].body
    assert "Noon Conference" in mine[0].body
    assert "Grand Rounds" not in mine[0].body  # ten days ahead: the calendar will catch up
    assert len(_messages()) == 2


def test_a_new_room_is_announced_and_a_new_title_is_not(people, soon):
    session = soon(hours=3, room="Room 1")
    db.session.commit()

    session_changes.update_session(session, {"title": "Renamed"}, people["coordinator"])
    db.session.commit()
    assert _messages() == []

    session_changes.update_session(session, {"room": "Auditorium B"}, people["coordinator"])
    db.session.commit()
    mine = _messages(to=people["ada"])
    assert len(mine) == 1
    assert mine[0].subject == "New room: Renamed is in Auditorium B"
    assert "(was Room 1)" in mine[0].body


def test_a_session_moved_into_the_window_is_announced_with_its_new_time(people, soon):
    session = soon(hours=24 * 14, room="Room 1")
    db.session.commit()
    tomorrow = timeutil.local_today() + timedelta(days=1)

    session_changes.move_session(session, tomorrow, time(12, 0), time(13, 0), people["coordinator"])
    db.session.commit()

    mine = _messages(to=people["ben"])
    assert len(mine) == 1
    assert mine[0].subject.startswith("Moved: ")
    assert timeutil.format_local(session.starts_at, "%a %d %b %H:%M") in mine[0].subject


def test_a_change_undone_in_the_same_action_sends_nothing(people, soon):
    session = soon(hours=2, room="Room 1")
    db.session.commit()

    session_changes.update_session(session, {"room": "Room 2"}, people["coordinator"])
    session_changes.update_session(session, {"room": "Room 1"}, people["coordinator"])
    db.session.commit()
    assert _messages() == []


def test_a_rolled_back_action_sends_nothing(people, soon):
    session = soon(hours=2)
    db.session.commit()

    session_changes.cancel_session(session, "Speaker ill", people["coordinator"])
    db.session.rollback()
    db.session.commit()
    assert _messages() == []


def test_deleting_a_session_that_starts_soon_is_announced(people, soon):
    session = soon(hours=4, title="Journal Club")
    db.session.commit()

    deletion.delete_session(session, people["coordinator"])
    db.session.commit()

    mine = _messages(to=people["ada"])
    assert [m.subject[:35] for m in mine] == ["Removed from the schedule: Journal "]


def test_people_turn_alerts_off_on_their_account_page(app, client, auth, people, soon):
    session = soon(hours=2)
    db.session.commit()
    email = people["ada"].email
    auth.login(email)

    page = client.get("/account/password")
    assert b'name="change_alerts"' in page.data
    assert b"checked" in page.data

    response = client.post("/account/alerts", data={})  # the box left unticked
    assert response.status_code == 302
    db.session.expire_all()
    assert people["ada"].change_alerts is False

    session_changes.cancel_session(session, "Speaker ill", people["coordinator"])
    db.session.commit()
    assert _messages(to=people["ada"]) == []
    assert len(_messages(to=people["ben"])) == 1

    client.post("/account/alerts", data={"change_alerts": "y"})
    db.session.expire_all()
    assert people["ada"].change_alerts is True


def test_a_resident_excused_by_a_vacation_block_is_not_emailed(
    people, soon, make_rotation, make_block
):
    session = soon(hours=2)
    vacation = make_rotation("Vacation", "vacation")
    today = timeutil.local_today()
    make_block(people["ada"], vacation, today - timedelta(days=3), today + timedelta(days=3))
    db.session.commit()

    session_changes.cancel_session(session, "Speaker ill", people["coordinator"])
    db.session.commit()

    assert _messages(to=people["ada"]) == []
    assert len(_messages(to=people["ben"])) == 1
