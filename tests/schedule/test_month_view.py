"""The month view at an institution's size: a day's first few sessions and a link to the
rest, and the same queries however many sessions the month holds."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule.calendar_views import MONTH_DAY_SHOWN
from conferences.schedule.models import Session, SessionTopic
from tests.schedule.test_queries import count_queries

DAY = date(2026, 11, 10)


def _sessions(day: date, count: int, topics: bool = False) -> None:
    for n in range(count):
        starts_at = timeutil.localize(day, time(12)) + timedelta(seconds=n)
        session = Session(
            title=f"Noon Conference {n:03d}",
            kind="noon_conference",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=1),
            room=f"Room {n:03d}",
            required=True,
            created_at=starts_at - timedelta(days=30),
        )
        if topics:
            session.topic_rows = [SessionTopic(topic="gi")]
        db.session.add(session)
    db.session.flush()


def test_a_month_day_shows_its_first_sessions_and_links_the_rest(
    client, login_as, coordinator, clock
):
    login_as(coordinator)
    _sessions(DAY, MONTH_DAY_SHOWN + 3)
    db.session.commit()

    page = client.get("/schedule?view=month&date=2026-11-15&kind=noon_conference")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    # The grid and the phone agenda each show the first few, in order, and say how many more.
    for n in range(MONTH_DAY_SHOWN):
        assert text.count(f"Noon Conference {n:03d}") == 2
    assert f"Noon Conference {MONTH_DAY_SHOWN:03d}" not in text
    links = re.findall(r'<a class="small d-block more-that-day" href="([^"]+)">3 more', text)
    assert len(links) == 2
    assert "Tue 10 Nov 2026" in text.split("3 more", 1)[1].split("</a>", 1)[0]

    # The link: that day in the list view, with the filters kept, every session shown.
    day_page = client.get(links[0].replace("&amp;", "&")).get_data(as_text=True)
    assert "view=list" in links[0]
    assert "kind=noon_conference" in links[0]
    for n in range(MONTH_DAY_SHOWN + 3):
        assert f"Noon Conference {n:03d}" in day_page

    # The week and list views show every session.
    week = client.get("/schedule?view=week&date=2026-11-10").get_data(as_text=True)
    assert f"Noon Conference {MONTH_DAY_SHOWN + 2:03d}" in week


def test_month_queries_do_not_grow_past_a_loading_batch(client, login_as, coordinator, clock):
    """More than 500 sessions with topics (SQLAlchemy loads related rows 500 at a time)."""
    login_as(coordinator)
    _sessions(DAY, 2, topics=True)
    db.session.commit()

    def month() -> int:
        with count_queries() as statements:
            response = client.get("/schedule?view=month&date=2026-11-15")
        assert response.status_code == 200
        return len(statements)

    small = month()
    for offset in range(1, 27):
        _sessions(DAY + timedelta(days=offset - 9), 20, topics=True)
    db.session.commit()
    assert db.session.query(Session).count() > 500
    assert month() == small
