"""Free text that reaches feeds: control characters, line breaks and commas."""

from __future__ import annotations

from datetime import date

import icalendar
import pytest

from conferences.extensions import db
from conferences.schedule.models import SessionTopic


@pytest.mark.parametrize("title", ["Morning\nreport", "Bell\x07 and\x0b tab\tthere"])
def test_single_session_ics_with_raw_title_answers_a_clean_calendar(
    app_ctx, client, make_session, make_user, auth, title
):
    session = make_session(title=title, description="Line one\nLine two\x0c")
    make_user(roles=("coordinator",), email="c@example.test")
    db.session.commit()
    auth.login("c@example.test")
    answer = client.get(f"/sessions/{session.public_id}.ics")
    assert answer.status_code == 200
    for byte in answer.data:
        assert byte >= 0x20 or byte in (0x0D, 0x0A, 0x09), answer.data
    event = icalendar.Calendar.from_ical(answer.data).walk("VEVENT")[0]
    assert "\n" not in str(event["SUMMARY"])
    assert "Line one\nLine two" in str(event["DESCRIPTION"])


def test_public_series_feed_with_multiline_description(app_ctx, client, make_series, make_session):
    series = make_series(public=True, description="First line\nSecond line")
    make_session(series_id=series.id, on=date(2026, 11, 10))
    db.session.commit()
    answer = client.get(f"/feeds/series/{series.slug}.ics")
    assert answer.status_code == 200
    calendar = icalendar.Calendar.from_ical(answer.data)
    assert len(calendar.walk("VEVENT")) == 1


def test_topic_with_a_comma_is_one_category_for_every_parser(
    app_ctx, client, make_series, make_session
):
    from datetime import UTC, datetime

    import recurring_ical_events

    series = make_series(public=True)
    session = make_session(on=date(2026, 11, 10), title="Thyroid", series_id=series.id)
    session.topic_rows.append(SessionTopic(topic="endocrine"))
    session.topic_rows.append(SessionTopic(topic="cardiovascular"))
    db.session.commit()
    answer = client.get(f"/sessions/{session.public_id}.ics")
    assert answer.status_code == 200
    lines = [line for line in answer.data.decode().split("\r\n") if line.startswith("CATEGORIES")]
    assert len(lines) == 3, lines
    assert all("," not in line for line in lines), lines
    expected = {"Lecture", "Endocrinology diabetes and metabolism", "Cardiovascular disease"}
    event = icalendar.Calendar.from_ical(answer.data).walk("VEVENT")[0]
    names = [str(c) for prop in event.get("CATEGORIES") for c in prop.cats]
    assert set(names) == expected
    assert len(names) == 3
    (occurrence,) = recurring_ical_events.of(icalendar.Calendar.from_ical(answer.data)).between(
        datetime(2026, 11, 9, tzinfo=UTC), datetime(2026, 11, 12, tzinfo=UTC)
    )
    assert set(occurrence.categories) == expected
