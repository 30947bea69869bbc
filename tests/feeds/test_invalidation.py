"""Every change a feed shows reaches it at once, and nothing else moves its validators.

Each test fetches a feed, makes one change through the service people use, and fetches
again. Two server processes are played by two ``FeedCaches`` on the same database: they
must hand out the same bytes for the same data, whenever each of them loaded it.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time

from conferences.extensions import db
from conferences.feeds.caches import FeedCaches
from conferences.people import services as people
from conferences.people.models import Role
from conferences.schedule import series_changes, session_changes
from conferences.teaching.handover import offer_swap, request_release
from tests.feeds.conftest import parse


def _description(data: bytes) -> str:
    (event,) = parse(data).walk("VEVENT")
    return str(event["DESCRIPTION"])


def test_renaming_a_presenter_reaches_the_feeds_at_once(
    app_ctx, client, make_user, make_resident, make_session, make_slot, feed_url, changed
):
    teacher = make_user(roles=("faculty",), name="Dr Old Name")
    resident = make_resident(pgy=1)
    make_slot(make_session(on=date(2026, 11, 10), title="Heart failure"), holder=teacher)
    changed()
    urls = feed_url(teacher), feed_url(resident)
    before = [client.get(url) for url in urls]
    assert all("Dr Old Name" in _description(r.data) for r in before)

    people.update_user(None, teacher, people.UserData(teacher.email, "Dr New Name", {Role.FACULTY}))
    db.session.commit()
    for url, old in zip(urls, before, strict=True):
        new = client.get(url)
        assert "Dr New Name" in _description(new.data)
        assert new.headers["ETag"] != old.headers["ETag"]


def test_renaming_the_program_renames_personal_feeds(
    app_ctx, client, make_resident, make_session, feed_url, changed
):
    resident = make_resident(pgy=1)
    make_session(on=date(2026, 11, 10))
    changed()
    url = feed_url(resident)
    client.get(url)
    people.update_settings(None, name="Osler Medicine Residency")
    db.session.commit()
    calendar = parse(client.get(url).data)
    assert str(calendar["X-WR-CALNAME"]) == "Osler Medicine Residency conferences"


def test_renaming_a_series_without_touching_its_sessions_renames_its_feed(
    app_ctx, client, make_series, make_session, changed
):
    series = make_series(public=True, title="Noon Conference")
    make_session(on=date(2026, 11, 10), series_id=series.id, title="Noon Conference")
    changed()
    path = f"/feeds/series/{series.slug}.ics"
    assert str(parse(client.get(path).data)["X-WR-CALNAME"]) == "Noon Conference"
    series_changes.update_series(series, {"title": "Noon Report"}, None, scope="none")
    db.session.commit()
    calendar = parse(client.get(path).data)
    assert str(calendar["X-WR-CALNAME"]) == "Noon Report"
    (event,) = calendar.walk("VEVENT")
    assert "Noon Conference" in str(event["SUMMARY"])  # scope "none": the session kept its title


@contextmanager
def process(app, caches: FeedCaches):
    """Serve the next requests from another process's caches."""
    mine = app.extensions["feeds"]
    app.extensions["feeds"] = caches
    try:
        yield
    finally:
        app.extensions["feeds"] = mine


def test_slot_bookkeeping_that_shows_nowhere_leaves_every_process_in_agreement(
    app, app_ctx, client, clock, make_user, make_session, make_slot, feed_url, changed
):
    teacher = make_user(roles=("faculty",), name="Dr Busy")
    slot = make_slot(make_session(on=date(2026, 11, 6), title="Heart failure"), holder=teacher)
    changed()
    url = feed_url(teacher)
    first = client.get(url)  # this process loaded the window before the changes below
    assert first.status_code == 200

    clock.advance(hours=2)
    offer_swap(slot, teacher)
    request_release(slot, teacher, "Clinic moved")
    db.session.commit()
    with process(app, FeedCaches()):  # a worker that starts now
        fresh = client.get(url)
    again = client.get(url)
    for answer in (fresh, again):
        assert answer.data == first.data
        assert answer.headers["ETag"] == first.headers["ETag"]
        assert answer.headers["Last-Modified"] == first.headers["Last-Modified"]

    clock.advance(hours=1)
    session_changes.move_session(slot.session, date(2026, 11, 6), time(13), time(14), teacher)
    db.session.commit()
    with process(app, FeedCaches()):
        fresh = client.get(url)
    moved = client.get(url)
    assert moved.data == fresh.data != first.data  # a real change moves both processes alike
