"""Feed HTTP behaviour: validators, 304, HEAD, gzip, no cookies, caching and query counts."""

from __future__ import annotations

import gzip
from datetime import date, time, timedelta

from werkzeug.http import http_date, parse_date

from conferences import timeutil
from conferences.extensions import db
from conferences.feeds.caches import caches
from conferences.feeds.subscriptions import reset_token
from conferences.program.services import get_settings
from conferences.schedule.models import Session
from conferences.teaching.handover import edit_talk
from conferences.teaching.models import TeachingSlot
from tests.feeds.conftest import parse


def test_etag_and_if_none_match(app_ctx, make_resident, make_session, feed_url, fetch, changed):
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10))
    changed()
    url = feed_url(resident)
    first = fetch(url)
    etag = first.headers["ETag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    assert fetch(url).headers["ETag"] == etag

    not_modified = fetch(url, **{"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.data == b""
    assert not_modified.headers["ETag"] == etag
    assert fetch(url, **{"If-None-Match": '"something-else"'}).status_code == 200


def test_if_modified_since(app_ctx, clock, make_resident, make_session, feed_url, fetch):
    from conferences.schedule import bookkeeping, session_changes

    resident = make_resident(pgy=1)
    session = make_session(on=date(2026, 11, 10))
    bookkeeping.touch_session(session)
    db.session.commit()
    url = feed_url(resident)
    first = fetch(url)
    last_modified = first.headers["Last-Modified"]
    assert fetch(url, **{"If-Modified-Since": last_modified}).status_code == 304

    clock.advance(minutes=5)
    session_changes.cancel_session(session, "Storm", resident)
    db.session.commit()
    changed = fetch(url, **{"If-Modified-Since": last_modified})
    assert changed.status_code == 200
    assert parse_date(changed.headers["Last-Modified"]) > parse_date(last_modified)
    # If-None-Match wins over If-Modified-Since.
    stale = fetch(
        url, **{"If-None-Match": first.headers["ETag"], "If-Modified-Since": last_modified}
    )
    assert stale.status_code == 200


def test_validators_change_exactly_when_content_changes(
    app_ctx, clock, make_resident, make_session, feed_url, fetch, changed
):
    intern = make_resident(pgy=1)
    mine = make_session(on=date(2026, 11, 10), audience={"pgy": [1]})
    not_mine = make_session(on=date(2026, 11, 10), audience={"pgy": [3]})
    changed()
    url = feed_url(intern)
    first = fetch(url)

    # A change elsewhere in the program: same content, same validators.
    clock.advance(minutes=10)
    not_mine.title = "Changed"
    not_mine.revision += 1
    not_mine.updated_at = timeutil.now_utc()
    changed()
    second = fetch(url)
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]

    # A session deleted from the feed: content and both validators change.
    clock.advance(minutes=10)
    db.session.delete(mine)
    changed()
    third = fetch(url)
    assert third.headers["ETag"] != first.headers["ETag"]
    assert parse_date(third.headers["Last-Modified"]) > parse_date(first.headers["Last-Modified"])
    assert parse(third.data).walk("VEVENT") == []


def test_last_modified_is_never_after_the_answer_yet_tells_versions_apart(
    app_ctx, clock, make_resident, make_session, feed_url, fetch, changed
):
    intern = make_resident(pgy=1)
    session = make_session(on=date(2026, 11, 10), audience={"pgy": [1]})
    clock.advance(microseconds=600_000)  # the change lands mid-second
    changed()
    url = feed_url(intern)
    first = parse_date(fetch(url).headers["Last-Modified"])
    assert first <= timeutil.now_utc()  # RFC 9110 8.8.2.1: not later than Date

    # Another change within the same second still gets a later date.
    clock.advance(microseconds=200_000)
    session.title = "Renamed"
    session.revision += 1
    changed()
    second = parse_date(fetch(url).headers["Last-Modified"])
    assert second > first
    assert fetch(url, **{"If-Modified-Since": http_date(first)}).status_code == 200


def test_head(app_ctx, make_resident, make_session, feed_url, client, changed):
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10))
    changed()
    url = feed_url(resident)
    full = client.get(url)
    head = client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["ETag"] == full.headers["ETag"]
    assert int(head.headers["Content-Length"]) == len(full.data)
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_gzip(app_ctx, make_resident, make_session, feed_url, fetch, changed):
    resident = make_resident(pgy=1)
    for i in range(5):
        make_session(on=date(2026, 11, 10) + timedelta(days=i))
    changed()
    url = feed_url(resident)
    plain = fetch(url)
    packed = fetch(url, **{"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = fetch(url, **{"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304
    refused = fetch(url, **{"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers


def test_no_cookie_on_feed_responses(
    app_ctx, make_resident, make_series, make_session, feed_url, client, auth, changed
):
    resident = make_resident(pgy=1)
    series = make_series(slug="open-series", public=True)
    session = make_session(on=date(2026, 11, 10), series_id=series.id)
    changed()
    url = feed_url(resident)
    # Even a signed-in browser (which sends its session cookie) gets none back.
    assert auth.login(resident.email).status_code in (302, 303)
    for path in (
        url,
        "/feeds/series/open-series.ics",
        f"/sessions/{session.public_id}.ics",
        "/feeds/unknown.ics",
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        assert "Set-Cookie" not in response.headers, path
        assert "Cookie" not in response.headers.get("Vary", ""), path
    client.delete_cookie("session")
    response = client.get(url)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_cache_control(app_ctx, make_resident, feed_url, fetch):
    resident = make_resident(pgy=1)
    response = fetch(feed_url(resident))
    assert response.headers["Cache-Control"] == "private, max-age=300"


def test_residents_with_the_same_sessions_share_one_rendering(
    app_ctx, make_resident, make_firm, make_session, feed_url, fetch, changed
):
    firm = make_firm()
    a = make_resident(pgy=1, firm=firm)
    b = make_resident(pgy=1, firm=firm)
    c = make_resident(pgy=2, firm=firm)
    make_session(on=date(2026, 11, 10), audience={"pgy": [1]})
    make_session(on=date(2026, 11, 11))
    changed()
    first = fetch(feed_url(a))
    second = fetch(feed_url(b))
    assert first.data == second.data
    assert caches().renders == 1
    fetch(feed_url(c))
    assert caches().renders == 2


def test_rerender_after_one_change_rebuilds_one_event(
    app_ctx, clock, make_resident, make_session, feed_url, fetch, changed
):
    resident = make_resident(pgy=1)
    sessions = [make_session(on=date(2026, 11, 10) + timedelta(days=i)) for i in range(30)]
    changed()
    url = feed_url(resident)
    fetch(url)
    assert caches().events.misses == 30
    clock.advance(minutes=1)
    sessions[7].title = "Changed"
    sessions[7].revision += 1
    sessions[7].updated_at = timeutil.now_utc()
    changed()
    titles = [str(e["SUMMARY"]) for e in parse(fetch(url).data).walk("VEVENT")]
    assert "Lecture: Changed" in titles
    assert caches().events.misses == 31


def _add_sessions(count: int, teacher) -> None:
    start = date(2026, 9, 7)
    for i in range(count):
        day = start + timedelta(days=i // 2)
        starts_at = timeutil.localize(day, time(7, 30) if i % 2 else time(12))
        session = Session(
            title=f"Session {i}",
            kind="lecture",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            audience={"pgy": [1]} if i % 3 else {},
            required=True,
        )
        db.session.add(session)
        db.session.flush()
        db.session.add(TeachingSlot(session_id=session.id, role="lecturer", holder_id=teacher.id))
    db.session.flush()


def _cold_fetch_queries(count_queries, fetch, url) -> tuple[int, int]:
    caches().clear()
    with count_queries() as counter:
        response = fetch(url)
    assert response.status_code == 200
    return counter.count, len(parse(response.data).walk("VEVENT"))


def test_query_count_is_constant_in_the_number_of_sessions(
    app_ctx, make_resident, make_user, feed_url, fetch, count_queries, changed
):
    get_settings()  # an installed program has its settings row
    teacher = make_user(roles=("faculty",))
    resident = make_resident(pgy=1)
    url = feed_url(resident)
    teacher_url = feed_url(teacher)
    _add_sessions(10, teacher)
    changed()
    small, small_events = _cold_fetch_queries(count_queries, fetch, url)
    small_teacher, _ = _cold_fetch_queries(count_queries, fetch, teacher_url)
    _add_sessions(590, teacher)
    changed()
    large, large_events = _cold_fetch_queries(count_queries, fetch, url)
    large_teacher, teacher_events = _cold_fetch_queries(count_queries, fetch, teacher_url)
    assert (small_events, large_events, teacher_events) == (10, 600, 600)
    assert large == small
    assert large_teacher == small_teacher
    assert small <= 12

    # Served from cache: one query (the change counters) when they are read every time.
    fetch(url)
    with count_queries() as counter:
        assert fetch(url).status_code == 200
    assert counter.count == 1


def test_cached_answers_read_nothing_within_the_counter_ttl(
    app, app_ctx, make_resident, make_session, feed_url, fetch, count_queries, changed
):
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10))
    changed()
    url = feed_url(resident)
    app.config["FEED_COUNTER_TTL_SECONDS"] = 60
    assert fetch(url).status_code == 200
    with count_queries() as counter:
        assert fetch(url).status_code == 200
    assert counter.count == 0
    # A reset made in this process kills the old address at once.
    reset_token(resident)
    db.session.commit()
    assert fetch(url).status_code == 404


def test_incremental_refresh_sees_renames_deletions_and_slot_edits(
    app_ctx, clock, make_resident, make_user, make_session, make_slot, feed_url, fetch, changed
):
    resident = make_resident(pgy=1)
    teacher = make_user(roles=("faculty",), name="Dr Old Name")
    kept = make_session(on=date(2026, 11, 10), title="Kept")
    gone = make_session(on=date(2026, 11, 11), title="Gone")
    slot = make_slot(kept, teacher, talk_title="First title")
    changed()
    url = feed_url(resident)
    assert "Dr Old Name" in fetch(url).get_data(as_text=True)

    clock.advance(minutes=1)
    teacher.name = "Dr New Name"
    db.session.delete(gone)
    changed()
    text = parse(fetch(url).data)
    (event,) = text.walk("VEVENT")
    assert "Dr New Name" in str(event["DESCRIPTION"])

    clock.advance(minutes=1)
    edit_talk(slot, teacher, title="Second title", abstract="", materials_url="")
    db.session.commit()
    (event,) = parse(fetch(url).data).walk("VEVENT")
    assert "Second title" in str(event["DESCRIPTION"])
    assert timeutil.now_utc() == event.LAST_MODIFIED
