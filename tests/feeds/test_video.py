"""Meeting links in feeds: RFC 7986 CONFERENCE and the first DESCRIPTION line for known
people, the room alone in LOCATION, and nothing in public feeds. Parsed back with the
feed tests' parser (and expanded with recurring-ical-events)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest

from conferences.errors import DomainError
from conferences.extensions import db
from conferences.feeds import ical
from conferences.schedule import series_changes, session_changes
from conferences.schedule.video import effective_video_url, video_url_problem
from tests.feeds.conftest import by_uid, events_between

SERIES_LINK = "https://zoom.example.com/j/123456789?pwd=abc"
OWN_LINK = "https://teams.example.com/l/meetup-join/xyz"


def _uid(session) -> str:
    return f"{session.public_id}@conferences.test"


def test_video_url_problem_takes_https_links_only():
    assert video_url_problem("") is None
    assert video_url_problem(SERIES_LINK) is None
    for bad in (
        "http://zoom.example.com/j/1",
        "javascript:alert(1)",
        "//evil.example.com/x",
        "https://",
        "https://localhost/x",
        "https://user:pw@zoom.example.com/j/1",
        "https://zoom.example.com/j/1 extra",
        "https://zoom.example.com:99999/j",
        "ftp://files.example.com/x",
        "https://" + "a" * 500 + ".example.com",
    ):
        assert video_url_problem(bad), bad


def test_effective_link_is_the_sessions_own_else_the_series():
    assert effective_video_url("", SERIES_LINK) == SERIES_LINK
    assert effective_video_url(OWN_LINK, SERIES_LINK) == OWN_LINK
    assert effective_video_url("  ", "") == ""


def test_series_link_is_inherited_and_an_own_link_overrides(
    app_ctx, make_resident, make_series, make_session, feed_url, fetch, changed
):
    resident = make_resident(pgy=1)
    series = make_series(video_url=SERIES_LINK)
    inherited = make_session(on=date(2026, 11, 10), series_id=series.id, room="Auditorium")
    own = make_session(on=date(2026, 11, 11), series_id=series.id, video_url=OWN_LINK, room="")
    plain = make_session(on=date(2026, 11, 12), room="Room 5")
    changed()
    assert inherited.effective_video_url == SERIES_LINK
    assert own.effective_video_url == OWN_LINK

    events = by_uid(fetch(feed_url(resident)).data)
    first = events[_uid(inherited)]
    assert str(first["LOCATION"]) == "Auditorium"
    conference = first["CONFERENCE"]
    assert str(conference) == SERIES_LINK
    assert conference.params["VALUE"] == "URI"
    assert conference.params["FEATURE"] == "VIDEO"
    assert conference.params["LABEL"] == "Join by video"
    assert str(first["DESCRIPTION"]).splitlines()[0] == f"Join by video: {SERIES_LINK}"
    materials = f"http://conferences.test/sessions/{inherited.public_id}/materials"
    assert str(first["DESCRIPTION"]).splitlines()[-1] == f"Materials: {materials}"

    second = events[_uid(own)]
    assert str(second["CONFERENCE"]) == OWN_LINK
    assert "LOCATION" not in second  # no room: no LOCATION, and never the URL
    assert str(second["DESCRIPTION"]).splitlines()[0] == f"Join by video: {OWN_LINK}"

    third = events[_uid(plain)]
    assert "CONFERENCE" not in third
    assert str(third["LOCATION"]) == "Room 5"
    assert "Join by video" not in str(third["DESCRIPTION"])

    # A client expanding the feed sees the same link on the occurrence.
    expanded = events_between(
        fetch(feed_url(resident)).data,
        datetime(2026, 11, 10, tzinfo=UTC),
        datetime(2026, 11, 11, tzinfo=UTC),
    )
    assert [str(e["CONFERENCE"]) for e in expanded] == [SERIES_LINK]


def test_changing_the_series_link_reaches_inheriting_sessions_in_the_feed(
    app_ctx, make_resident, make_user, make_series, make_session, feed_url, fetch, changed
):
    coordinator = make_user(roles=("coordinator",))
    resident = make_resident(pgy=1)
    series = make_series(video_url=SERIES_LINK)
    session = make_session(on=date(2026, 11, 10), series_id=series.id)
    changed()
    url = feed_url(resident)
    assert str(by_uid(fetch(url).data)[_uid(session)]["CONFERENCE"]) == SERIES_LINK
    new_link = "https://meet.example.com/abc-defg-hij"
    series_changes.update_series(series, {"video_url": new_link}, coordinator, scope="none")
    db.session.commit()
    assert str(by_uid(fetch(url).data)[_uid(session)]["CONFERENCE"]) == new_link


def test_public_series_feed_and_its_session_files_carry_no_link(
    app_ctx, client, make_series, make_session, changed
):
    series = make_series(public=True, video_url=SERIES_LINK)
    session = make_session(on=date(2026, 11, 10), series_id=series.id, video_url=OWN_LINK)
    changed()
    for path in (f"/feeds/series/{series.slug}.ics", f"/sessions/{session.public_id}.ics"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert b"zoom.example" not in response.data
        assert b"teams.example" not in response.data
        (event,) = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
        assert "CONFERENCE" not in event
        assert "Materials:" not in str(event["DESCRIPTION"])
        assert str(event["LOCATION"]) == "Room 1"


def test_private_session_file_for_a_signed_in_person_has_the_link(
    app_ctx, client, auth, make_resident, make_series, make_session, changed
):
    series = make_series(public=False, video_url=SERIES_LINK)
    session = make_session(on=date(2026, 11, 10), series_id=series.id)
    resident = make_resident(pgy=1)
    changed()
    auth.login(resident.email)
    response = client.get(f"/sessions/{session.public_id}.ics")
    assert response.status_code == 200
    (event,) = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["CONFERENCE"]) == SERIES_LINK


def test_session_page_shows_the_inherited_link_to_signed_in_people(
    app_ctx, client, auth, make_resident, make_series, make_session
):
    series = make_series(video_url=SERIES_LINK)
    session = make_session(on=date(2026, 11, 10), series_id=series.id)
    resident = make_resident(pgy=1)
    db.session.commit()
    anonymous = client.get(f"/sessions/{session.public_id}")
    assert SERIES_LINK.encode() not in anonymous.data
    auth.login(resident.email)
    page = client.get(f"/sessions/{session.public_id}")
    assert page.status_code == 200
    assert b"zoom.example.com/j/123456789" in page.data


def test_http_link_is_refused_with_a_message(app_ctx, make_user, make_session):
    coordinator = make_user(roles=("coordinator",))
    session = make_session(on=date(2026, 11, 10))
    db.session.commit()
    with pytest.raises(DomainError, match="https://") as raised:
        session_changes.update_session(
            session, {"video_url": "http://zoom.example.com/j/1"}, coordinator
        )
    assert raised.value.field == "video_url"
    db.session.rollback()
    assert db.session.get(type(session), session.id).video_url == ""


def test_show_video_option_writes_conference_and_first_line():
    event = ical.EventData(
        id=1,
        public_id="abc",
        series_id=None,
        title="Heart failure",
        kind="lecture",
        kind_label="Lecture",
        description="Bring questions",
        starts_at=datetime(2026, 11, 5, 17, tzinfo=UTC),
        ends_at=datetime(2026, 11, 5, 18, tzinfo=UTC),
        room="Room 1",
        video_url=SERIES_LINK,
        required=True,
        cancelled=False,
        cancel_reason="",
        revision=1,
        created_at=datetime(2026, 6, 1, tzinfo=UTC),
        updated_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    options = ical.EventOptions(
        ZoneInfo("America/New_York"), "example.test", "https://app.test", show_video=True
    )
    written = ical.serialise_event(event, options)
    assert written == ical.serialise(ical.build_event(event, options))
    parsed = icalendar.Event.from_ical(written)
    assert str(parsed["CONFERENCE"]) == SERIES_LINK
    assert str(parsed["DESCRIPTION"]).startswith(f"Join by video: {SERIES_LINK}\n")
    assert str(parsed["LOCATION"]) == "Room 1"
