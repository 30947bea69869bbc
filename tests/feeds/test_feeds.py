"""Personal, series and one-session feeds, read back with independent parsers."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from conferences import timeutil
from conferences.extensions import db
from conferences.feeds.models import FeedSubscription
from conferences.feeds.subscriptions import (
    derive_token,
    follow_series,
    hash_token,
    reset_token,
    set_alarm,
    unfollow_series,
)
from conferences.schedule import bookkeeping, session_changes
from tests.feeds.conftest import by_uid, events_between, parse, utc

NEW_YORK = ZoneInfo("America/New_York")


def test_calendar_properties(app_ctx, make_resident, make_session, feed_url, fetch, changed):
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10))
    changed()
    response = fetch(feed_url(resident))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    cal = parse(response.data)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"]).startswith("-//Conferences//")
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["X-WR-CALNAME"]) == str(cal["NAME"])
    assert "conferences" in str(cal["NAME"])
    assert str(cal["X-WR-TIMEZONE"]) == "America/New_York"
    assert cal["REFRESH-INTERVAL"].dt == timedelta(minutes=60)
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert str(cal["X-PUBLISHED-TTL"]) in ("PT1H", "PT60M")
    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "America/New_York"
    for part in tz.walk("STANDARD") + tz.walk("DAYLIGHT"):
        assert "RRULE" in part
        assert "RDATE" not in part


def test_resident_gets_their_audience_with_presenters(
    app_ctx, make_resident, make_user, make_session, make_slot, feed_url, fetch, changed
):
    intern = make_resident(pgy=1)
    junior = make_resident(pgy=2)
    lecturer = make_user(roles=("faculty",), name="Dr Grace Hopper")
    intern_report = make_session(
        on=date(2026, 11, 10), start=time(7, 30), title="Intern report", audience={"pgy": [1]}
    )
    noon = make_session(
        on=date(2026, 11, 10),
        title="Sepsis",
        kind="noon_conference",
        audience={},
        room="Auditorium",
        video_url="https://video.example/noon",
        required=False,
    )
    make_slot(noon, lecturer, talk_title="Early antibiotics")
    seniors = make_session(on=date(2026, 11, 11), title="Senior talk", audience={"pgy": [3]})
    changed()

    intern_events = by_uid(fetch(feed_url(intern)).data)
    junior_events = by_uid(fetch(feed_url(junior)).data)
    uid = lambda s: f"{s.public_id}@conferences.test"  # noqa: E731
    assert set(intern_events) == {uid(intern_report), uid(noon)}
    # A PGY-2 does not get intern report.
    assert set(junior_events) == {uid(noon)}
    assert uid(seniors) not in intern_events

    event = intern_events[uid(noon)]
    assert str(event["SUMMARY"]) == "Noon conference: Sepsis"
    assert "Auditorium" in str(event["LOCATION"])
    description = str(event["DESCRIPTION"])
    assert "Lecturer: Dr Grace Hopper" in description
    assert "Early antibiotics" in description
    assert "Optional" in description
    assert "https://video.example/noon" in description
    assert f"http://conferences.test/sessions/{noon.public_id}" in description
    assert str(event["URL"]) == f"http://conferences.test/sessions/{noon.public_id}"
    assert "Noon conference" in event.categories
    assert datetime(2026, 11, 10, 12, 0, tzinfo=NEW_YORK) == event.DTSTART
    assert utc(event.DTSTART) == datetime(2026, 11, 10, 17, 0, tzinfo=UTC)
    assert utc(event.DTEND) == datetime(2026, 11, 10, 18, 0, tzinfo=UTC)


def test_faculty_gets_what_they_teach_and_follow_coordinator_what_they_follow(
    app_ctx, make_user, make_series, make_session, make_slot, feed_url, fetch, changed
):
    teacher = make_user(roles=("faculty",))
    coordinator = make_user(roles=("coordinator",))
    grand_rounds = make_series(title="Grand rounds", kind="grand_rounds")
    taught = make_session(on=date(2026, 11, 12), title="Taught")
    followed = make_session(on=date(2026, 11, 13), title="GR", series_id=grand_rounds.id)
    other = make_session(on=date(2026, 11, 13), start=time(8), title="Other")
    make_slot(taught, teacher)
    changed()

    assert {str(e["SUMMARY"]) for e in parse(fetch(feed_url(teacher)).data).walk("VEVENT")} == {
        "Lecture: Taught"
    }
    assert parse(fetch(feed_url(coordinator)).data).walk("VEVENT") == []

    follow_series(teacher, grand_rounds)
    follow_series(coordinator, grand_rounds)
    db.session.commit()
    teacher_uids = set(by_uid(fetch(feed_url(teacher)).data))
    coordinator_uids = set(by_uid(fetch(feed_url(coordinator)).data))
    assert teacher_uids == {
        f"{taught.public_id}@conferences.test",
        f"{followed.public_id}@conferences.test",
    }
    assert coordinator_uids == {f"{followed.public_id}@conferences.test"}
    assert f"{other.public_id}@conferences.test" not in teacher_uids

    unfollow_series(coordinator, grand_rounds)
    db.session.commit()
    assert parse(fetch(feed_url(coordinator)).data).walk("VEVENT") == []


@pytest.mark.parametrize(
    ("today", "days"),
    [
        (datetime(2026, 2, 20, 15, 0, tzinfo=UTC), [date(2026, 3, 6), date(2026, 3, 9)]),
        (datetime(2026, 10, 20, 15, 0, tzinfo=UTC), [date(2026, 10, 30), date(2026, 11, 2)]),
    ],
)
def test_dst_weeks_keep_noon_local(
    app_ctx, clock, today, days, make_resident, make_session, feed_url, fetch, changed
):
    clock.set(today)
    resident = make_resident(pgy=1)
    for day in days:
        make_session(on=day, start=time(12, 0), title=day.isoformat())
    changed()
    data = fetch(feed_url(resident)).data
    expected_utc = {
        date(2026, 3, 6): 17,  # EST, UTC-5
        date(2026, 3, 9): 16,  # EDT, UTC-4
        date(2026, 10, 30): 16,  # EDT
        date(2026, 11, 2): 17,  # EST
    }
    # The feed's own VTIMEZONE, read as a zone (not looked up by name).
    own_zone = parse(data).walk("VTIMEZONE")[0].to_tz(lookup_tzid=False)
    expanded = events_between(
        data, datetime(2025, 1, 1, tzinfo=UTC), datetime(2028, 1, 1, tzinfo=UTC)
    )
    assert len(expanded) == 2
    for event in expanded:
        day = date.fromisoformat(str(event["SUMMARY"]).split(": ")[1])
        start = event.DTSTART
        assert (start.date(), start.hour, start.minute) == (day, 12, 0)
        assert utc(start) == datetime(day.year, day.month, day.day, expected_utc[day], tzinfo=UTC)
        wall = start.replace(tzinfo=None)
        assert utc(wall.replace(tzinfo=own_zone)).hour == expected_utc[day]


def test_edit_move_cancel_keep_uid_raise_sequence(
    app_ctx, make_user, make_resident, make_session, feed_url, fetch
):
    coordinator = make_user(roles=("coordinator",))
    resident = make_resident(pgy=1)
    session = make_session(on=date(2026, 11, 16), title="Renal")
    bookkeeping.touch_session(session)
    db.session.commit()
    url = feed_url(resident)
    uid = f"{session.public_id}@conferences.test"

    def current():
        return by_uid(fetch(url).data)[uid]

    first = current()
    assert str(first["STATUS"]) == "CONFIRMED"

    session_changes.update_session(session, {"title": "Renal failure"}, coordinator)
    db.session.commit()
    edited = current()
    assert str(edited["SUMMARY"]) == "Lecture: Renal failure"
    assert edited["SEQUENCE"] > first["SEQUENCE"]

    session_changes.move_session(session, date(2026, 11, 18), time(13), time(14), coordinator)
    db.session.commit()
    moved = current()
    assert moved["SEQUENCE"] > edited["SEQUENCE"]
    assert utc(moved.DTSTART) == datetime(2026, 11, 18, 18, 0, tzinfo=UTC)

    session_changes.cancel_session(session, "Speaker ill", coordinator)
    db.session.commit()
    cancelled = current()
    assert cancelled["SEQUENCE"] > moved["SEQUENCE"]
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert "Speaker ill" in str(cancelled["DESCRIPTION"])
    # Still one event with that UID, and expansion still sees it (clients then remove it).
    expanded = events_between(
        fetch(url).data, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert [str(e["STATUS"]) for e in expanded if str(e["UID"]) == uid] == ["CANCELLED"]


def test_new_presenter_reaches_the_feed(
    app_ctx, make_user, make_resident, make_session, make_slot, feed_url, fetch, changed
):
    from conferences.teaching.handover import assign_slot

    coordinator = make_user(roles=("coordinator",))
    teacher = make_user(roles=("faculty",), name="Dr Presenter")
    resident = make_resident(pgy=1)
    session = make_session(on=date(2026, 11, 20))
    slot = make_slot(session)
    changed()
    url = feed_url(resident)
    uid = f"{session.public_id}@conferences.test"
    before = by_uid(fetch(url).data)[uid]
    assert "Dr Presenter" not in str(before["DESCRIPTION"])
    assign_slot(slot, teacher, coordinator)
    db.session.commit()
    after = by_uid(fetch(url).data)[uid]
    assert "Dr Presenter" in str(after["DESCRIPTION"])
    assert after["SEQUENCE"] >= before["SEQUENCE"]


def test_window_from_60_days_ago_to_three_months_after_the_year(
    app_ctx, make_resident, make_session, feed_url, fetch, changed
):
    # Today (clock) is 2026-11-04: the window is 2026-09-05 .. 2027-09-30.
    resident = make_resident(pgy=1)
    titles = {
        "too old": date(2026, 9, 4),
        "oldest": date(2026, 9, 5),
        "last": date(2027, 9, 30),
        "too late": date(2027, 10, 1),
    }
    for title, day in titles.items():
        make_session(on=day, title=title)
    changed()
    summaries = {str(e["SUMMARY"]) for e in parse(fetch(feed_url(resident)).data).walk("VEVENT")}
    assert summaries == {"Lecture: oldest", "Lecture: last"}


def test_alarm_choice(app_ctx, make_resident, make_session, feed_url, fetch, changed):
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10))
    changed()
    url = feed_url(resident)
    (event,) = parse(fetch(url).data).walk("VEVENT")
    assert not event.walk("VALARM")
    set_alarm(resident, 15)
    db.session.commit()
    (event,) = parse(fetch(url).data).walk("VEVENT")
    (alarm,) = event.walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(minutes=-15)
    assert str(alarm["ACTION"]) == "DISPLAY"
    with pytest.raises(Exception, match="reminder"):
        set_alarm(resident, 45)


def test_public_series_feed(app_ctx, make_series, make_session, fetch, changed):
    public = make_series(title="Grand rounds", slug="grand-rounds", public=True)
    private = make_series(title="Intern report", slug="intern-report", public=False)
    make_session(on=date(2026, 11, 11), series_id=public.id, title="GR 1")
    make_session(on=date(2026, 11, 18), series_id=public.id, title="GR 2")
    make_session(on=date(2026, 11, 11), series_id=private.id, title="IR")
    changed()
    response = fetch("/feeds/series/grand-rounds.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("public")
    cal = parse(response.data)
    assert str(cal["X-WR-CALNAME"]) == "Grand rounds"
    expanded = events_between(
        response.data, datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert sorted(str(e["SUMMARY"]) for e in expanded) == ["Lecture: GR 1", "Lecture: GR 2"]
    assert fetch("/feeds/series/intern-report.ics").status_code == 404
    assert fetch("/feeds/series/nothing.ics").status_code == 404


def test_single_session_ics(app_ctx, make_session, make_user, auth, fetch, changed):
    session = make_session(on=date(2026, 11, 10), title="One")
    reader = make_user(roles=("resident",))
    changed()
    assert fetch(f"/sessions/{session.public_id}.ics").status_code == 404  # not public
    auth.login(reader.email)
    response = fetch(f"/sessions/{session.public_id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    (event,) = parse(response.data).walk("VEVENT")
    assert str(event["UID"]) == f"{session.public_id}@conferences.test"
    assert utc(event.DTSTART) == datetime(2026, 11, 10, 17, 0, tzinfo=UTC)
    assert fetch("/sessions/00000000-0000-0000-0000-000000000000.ics").status_code == 404


def test_ics_rule_wins_over_the_session_page(app):
    adapter = app.url_map.bind("localhost")
    assert adapter.match("/sessions/abc-123.ics")[0] == "feeds.session_ics"
    assert adapter.match("/feeds/series/x.ics")[0] == "feeds.series_feed"
    assert adapter.match("/feeds/tok.ics")[0] == "feeds.personal_feed"


def test_token_is_random_hashed_and_reset_kills_the_old_address(
    app_ctx, make_resident, feed_url, fetch
):
    resident = make_resident(pgy=1)
    old = feed_url(resident)
    token = old.removeprefix("/feeds/").removesuffix(".ics")
    assert len(token) >= 43  # 256 bits, URL-safe base64
    sub = db.session.get(FeedSubscription, resident.id)
    assert sub.token_hash == hash_token(token)
    assert token not in (sub.token_hash, sub.token_salt)
    # Shown again on a later visit: the same address.
    assert feed_url(resident) == old
    assert fetch(old).status_code == 200

    reset_token(resident)
    db.session.commit()
    new = feed_url(resident)
    assert new != old
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200


def test_unknown_other_and_deactivated_tokens_404(
    app_ctx, make_user, make_resident, feed_url, fetch
):
    from conferences.people import services as people_services

    admin = make_user(roles=("admin",))
    resident = make_resident(pgy=1)
    other = make_resident(pgy=1)
    url = feed_url(resident)
    assert fetch("/feeds/not-a-token.ics").status_code == 404
    # A token computed for someone with a different salt is not theirs.
    forged = derive_token(other.id, "guessed-salt")
    assert fetch(f"/feeds/{forged}.ics").status_code == 404
    assert fetch(url).status_code == 200
    people_services.set_active(admin, resident, False)
    db.session.commit()
    assert fetch(url).status_code == 404


def test_last_fetched_at_is_written_at_most_hourly(app_ctx, clock, make_resident, feed_url, fetch):
    resident = make_resident(pgy=1)
    url = feed_url(resident)
    fetch(url)
    db.session.expire_all()
    first = db.session.get(FeedSubscription, resident.id).last_fetched_at
    assert first == clock.at
    clock.advance(minutes=20)
    fetch(url)
    db.session.expire_all()
    assert db.session.get(FeedSubscription, resident.id).last_fetched_at == first
    clock.advance(minutes=50)
    fetch(url)
    db.session.expire_all()
    assert db.session.get(FeedSubscription, resident.id).last_fetched_at == clock.at


def test_many_events_round_trip(app_ctx, make_resident, make_session, feed_url, fetch, changed):
    """Every VEVENT survives parsing and expansion with the instant it was stored at."""
    resident = make_resident(pgy=1)
    sessions = [
        make_session(on=date(2026, 11, 2) + timedelta(days=i), start=time(7 + i % 6, 15))
        for i in range(40)
    ]
    changed()
    expanded = events_between(
        fetch(feed_url(resident)).data,
        datetime(2026, 9, 1, tzinfo=UTC),
        datetime(2027, 10, 1, tzinfo=UTC),
    )
    starts = {str(e["UID"]).split("@")[0]: utc(e.DTSTART) for e in expanded}
    assert starts == {s.public_id: s.starts_at for s in sessions}
    assert all(timeutil.to_local(s.starts_at).minute == 15 for s in sessions)
