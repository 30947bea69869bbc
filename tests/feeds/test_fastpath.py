"""Polls answered from memory before Flask: same answers as the view, and only when safe."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from flask import request_started
from sqlalchemy import select

from conferences.extensions import db
from conferences.feeds.fastpath import personal_feed_token
from conferences.feeds.models import FeedSubscription
from conferences.feeds.subscriptions import reset_token

from .conftest import parse


@pytest.fixture
def through_flask(app):
    """``with through_flask() as seen: ...``: ``seen`` lists the requests Flask dispatched."""

    @contextmanager
    def watching():
        seen: list[str] = []

        def record(_sender, **_extra):
            from flask import request

            seen.append(request.path)

        request_started.connect(record, app)
        try:
            yield seen
        finally:
            request_started.disconnect(record, app)

    return watching


@pytest.fixture
def subscribed(app, app_ctx, make_resident, make_session, feed_url, fetch, changed):
    """A resident's feed with two sessions, fetched once (so it is rendered and stamped)."""
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10), title="Heart failure")
    make_session(on=date(2026, 11, 12), title="Sepsis")
    changed()
    url = feed_url(resident)
    assert fetch(url).status_code == 200
    return resident, url


def _comparable(response) -> tuple:
    headers = sorted((k, v) for k, v in response.headers.items() if k != "Date")
    return response.status_code, headers, response.data


FILL = None  # filled with the feed's own ETag or Last-Modified
# An absurd offset makes werkzeug's date parser overflow; a bad date is ignored (RFC 9110).
OVERFLOWING_DATE = "Sun, 06 Nov 1994 08:49:37 +99999999999999999999"
VARIANTS = [
    ({}, 200),
    ({"Accept-Encoding": "gzip"}, 200),
    ({"If-None-Match": FILL}, 304),
    ({"If-Modified-Since": FILL}, 304),
    ({"If-Modified-Since": OVERFLOWING_DATE}, 200),
    ({"If-Modified-Since": "yesterday"}, 200),
]


@pytest.mark.parametrize("variant", range(len(VARIANTS)))
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_answers_from_memory_equal_the_views(
    app, client, subscribed, through_flask, variant, method
):
    _resident, url = subscribed
    first = client.get(url)
    headers, expected_status = dict(VARIANTS[variant][0]), VARIANTS[variant][1]
    for name, filler in (("If-None-Match", "ETag"), ("If-Modified-Since", "Last-Modified")):
        if name in headers and headers[name] is FILL:
            headers[name] = first.headers[filler]

    # Counters read on every request: the view answers.
    with through_flask() as seen:
        by_view = client.open(url, method=method, headers=headers)
    assert seen == [url]

    # Counters fresh in memory: answered before Flask, identically.
    app.config["FEED_COUNTER_TTL_SECONDS"] = 60
    client.get(url)  # reads the counters once
    with through_flask() as seen:
        from_memory = client.open(url, method=method, headers=headers)
    assert seen == []
    assert _comparable(from_memory) == _comparable(by_view)
    assert from_memory.status_code == expected_status
    assert from_memory.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in from_memory.headers


def test_a_nul_in_the_query_is_refused_from_memory_too(app, client, subscribed, through_flask):
    _resident, url = subscribed
    app.config["FEED_COUNTER_TTL_SECONDS"] = 60
    assert client.get(url).status_code == 200  # now answerable from memory
    with through_flask() as seen:
        refused = client.get(url + "?x=%00")
    assert seen == [url]  # left to Flask, which refuses it
    assert refused.status_code == 400


def test_memory_answer_parses_as_the_feed(app, client, subscribed, through_flask):
    _resident, url = subscribed
    app.config["FEED_COUNTER_TTL_SECONDS"] = 60
    client.get(url)
    with through_flask() as seen:
        response = client.get(url)
    assert seen == []
    titles = sorted(str(e["SUMMARY"]) for e in parse(response.data).walk("VEVENT"))
    assert [t.split(": ", 1)[1] for t in titles] == ["Heart failure", "Sepsis"]


def test_unknown_and_reset_tokens_go_to_the_view_and_get_404(
    app, client, subscribed, through_flask
):
    resident, url = subscribed
    app.config["FEED_COUNTER_TTL_SECONDS"] = 60
    client.get(url)
    with through_flask() as seen:
        assert client.get("/feeds/not-a-token.ics").status_code == 404
    assert seen == ["/feeds/not-a-token.ics"]

    reset_token(resident)
    db.session.commit()
    with through_flask() as seen:
        assert client.get(url).status_code == 404
    assert seen == [url]


def test_hourly_fetch_stamp_is_written_by_the_view(app, client, clock, subscribed, through_flask):
    resident, url = subscribed
    app.config["FEED_COUNTER_TTL_SECONDS"] = 60
    client.get(url)
    stamp = db.session.scalar(
        select(FeedSubscription.last_fetched_at).where(FeedSubscription.user_id == resident.id)
    )

    clock.advance(minutes=30)
    with through_flask() as seen:
        client.get(url)
    assert seen == []

    clock.advance(minutes=31)  # an hour since the stamp: the view writes a new one
    with through_flask() as seen:
        assert client.get(url).status_code == 200
    assert seen == [url]
    db.session.expire_all()
    new_stamp = db.session.scalar(
        select(FeedSubscription.last_fetched_at).where(FeedSubscription.user_id == resident.id)
    )
    assert new_stamp > stamp

    with through_flask() as seen:  # stamped: back to memory
        client.get(url)
    assert seen == []


def test_other_methods_reach_the_view(app, client, subscribed, through_flask):
    _resident, url = subscribed
    app.config["FEED_COUNTER_TTL_SECONDS"] = 60
    client.get(url)
    with through_flask() as seen:
        assert client.post(url).status_code == 405
    assert seen == [url]


@pytest.mark.parametrize(
    ("path", "token"),
    [
        ("/feeds/abc_DEF-123.ics", "abc_DEF-123"),
        ("/feeds/series/grand-rounds.ics", None),
        ("/feeds/.ics", None),
        ("/feeds/abc.ics/extra", None),
        ("/feeds/abc.ICS", None),
        ("/sessions/abc.ics", None),
        ("/my-calendar", None),
    ],
)
def test_personal_feed_token_recognises_only_personal_feeds(path, token):
    assert personal_feed_token({"REQUEST_METHOD": "GET", "PATH_INFO": path}) == token
    assert personal_feed_token({"REQUEST_METHOD": "POST", "PATH_INFO": path}) is None


def test_answers_from_memory_carry_strict_transport_security_behind_https(
    app, client, subscribed, through_flask
):
    _resident, url = subscribed
    app.config["BASE_URL"] = "https://conferences.test"
    try:
        by_view = client.get(url)
        app.config["FEED_COUNTER_TTL_SECONDS"] = 60
        client.get(url)
        with through_flask() as seen:
            from_memory = client.get(url)
        assert seen == []
        hsts = by_view.headers["Strict-Transport-Security"]
        assert hsts.startswith("max-age=")
        assert from_memory.headers["Strict-Transport-Security"] == hsts
    finally:
        app.config["BASE_URL"] = "http://conferences.test"
