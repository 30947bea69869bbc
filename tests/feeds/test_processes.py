"""State kept in one process's memory is only a cache: another process that served a feed
before a change serves the change (or refuses the address) once it re-reads the counters.

Two server processes are played by two ``FeedCaches`` on the same database (see
``test_invalidation.process``); the counters are re-read on every request here
(``FEED_COUNTER_TTL_SECONDS`` is 0 in the feed tests, 1 s in production).
"""

from __future__ import annotations

from datetime import date, time

from conferences.extensions import db
from conferences.feeds.caches import FeedCaches
from conferences.feeds.subscriptions import reset_token
from conferences.people import services as people
from conferences.schedule import session_changes
from tests.feeds.conftest import parse
from tests.feeds.test_invalidation import process


def test_an_address_reset_on_one_process_is_refused_by_another(
    app, app_ctx, client, make_resident, make_session, feed_url, changed
):
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10))
    changed()
    old = feed_url(resident)
    other = FeedCaches()
    with process(app, other):
        assert client.get(old).status_code == 200  # the other process has it cached

    reset_token(resident)
    db.session.commit()
    with process(app, other):
        assert client.get(old).status_code == 404
        assert client.get(feed_url(resident)).status_code == 200


def test_deactivating_a_faculty_member_stops_their_feed_on_every_process(
    app, app_ctx, client, make_user, make_session, make_slot, feed_url, changed
):
    teacher = make_user(roles=("faculty",), name="Dr Leaving")
    make_slot(make_session(on=date(2026, 11, 10)), holder=teacher)
    changed()
    url = feed_url(teacher)
    other = FeedCaches()
    with process(app, other):
        assert client.get(url).status_code == 200

    people.set_active(None, teacher, False)
    db.session.commit()
    with process(app, other):
        assert client.get(url).status_code == 404


def test_a_schedule_change_on_one_process_shows_in_another_process_feed(
    app, app_ctx, client, make_resident, make_session, feed_url, changed
):
    resident = make_resident(pgy=1)
    session = make_session(on=date(2026, 11, 10), title="Heart failure")
    changed()
    url = feed_url(resident)
    other = FeedCaches()
    with process(app, other):
        before = client.get(url)
    session_changes.move_session(session, date(2026, 11, 10), time(13), time(14), resident)
    db.session.commit()
    with process(app, other):
        after = client.get(url)
    assert after.headers["ETag"] != before.headers["ETag"]
    (event,) = parse(after.data).walk("VEVENT")
    assert event.decoded("DTSTART").hour == 13
