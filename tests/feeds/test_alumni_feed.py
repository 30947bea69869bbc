"""A graduate's personal feed keeps the sessions of their residency (or stops, by program
setting); next year's intern sees nothing before 1 July. Read back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime

from conferences.extensions import db
from conferences.people import services as people
from tests.feeds.conftest import parse


def _titles(data: bytes) -> set[str]:
    return {str(e["SUMMARY"]).split(": ", 1)[-1] for e in parse(data).walk("VEVENT")}


def test_a_graduate_keeps_only_the_sessions_of_their_residency(
    clock, make_user, make_session, feed_url, fetch, changed
):
    clock.set(datetime(2027, 7, 5, 16, 0, tzinfo=UTC))
    senior = make_user(roles=("resident",), start_year=2024)
    incoming = make_user(roles=("resident",), start_year=2027)
    make_session(on=date(2027, 6, 29), title="Last June noon")
    make_session(on=date(2027, 7, 6), title="First July noon")
    changed()
    assert _titles(fetch(feed_url(senior)).data) == {"Last June noon"}
    assert _titles(fetch(feed_url(incoming)).data) == {"First July noon"}


def test_the_program_can_stop_graduates_feeds(
    clock, make_user, make_session, feed_url, fetch, changed
):
    clock.set(datetime(2027, 7, 5, 16, 0, tzinfo=UTC))
    senior = make_user(roles=("resident",), start_year=2024)
    make_session(on=date(2027, 6, 29), title="Last June noon")
    changed()
    url = feed_url(senior)
    assert _titles(fetch(url).data) == {"Last June noon"}
    people.update_settings(None, alumni_feed="stop")
    db.session.commit()
    response = fetch(url)
    assert response.status_code == 200
    assert _titles(response.data) == set()


def test_before_graduation_the_feed_is_whole(
    clock, make_user, make_session, feed_url, fetch, changed
):
    clock.set(datetime(2027, 6, 1, 16, 0, tzinfo=UTC))
    senior = make_user(roles=("resident",), start_year=2024)
    make_session(on=date(2027, 6, 29), title="Last June noon")
    make_session(on=date(2027, 7, 6), title="First July noon")
    changed()
    # The July session is after the residency: not in the audience, on its own date.
    assert _titles(fetch(feed_url(senior)).data) == {"Last June noon"}
