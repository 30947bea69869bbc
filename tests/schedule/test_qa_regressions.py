"""Regressions found walking journey 1 in a browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conferences.extensions import db
from conferences.schedule import series_changes
from conferences.schedule.models import Session
from conferences.schedule.recurrence import Rule
from tests.schedule.conftest import series_values

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture
def session_id(app_ctx, clock, coordinator):
    series = series_changes.create_series(series_values(slug="noon"), coordinator)
    session = series_changes.generate_sessions(series, coordinator).created[0]
    db.session.commit()
    return session.public_id


def test_rule_words_read_naturally_for_weekdays():
    from datetime import date

    every_weekday = Rule(date(2026, 7, 1), date(2027, 6, 30), weekdays=(0, 1, 2, 3, 4))
    assert every_weekday.describe() == "Every weekday"
    fortnightly = Rule(date(2026, 7, 1), date(2027, 6, 30), interval=2, weekdays=(0, 1, 2, 3, 4))
    assert fortnightly.describe() == "Every 2 weeks on weekdays"


@pytest.mark.parametrize(
    "query",
    [
        "view=month&date=9999-12-31",
        "view=week&date=0001-01-01",
        "view=list&start=0001-01-01",
        "view=list&start=2026-11-01&end=9999-12-31",
    ],
)
def test_calendar_survives_dates_at_the_edge_of_the_calendar(
    session_id, coordinator, login_as, query
):
    client = login_as(coordinator)
    response = client.get(f"/schedule?{query}")
    assert response.status_code == 200
    assert "Schedule" in response.text


@pytest.mark.parametrize("year", ["99999", "-5", "1"])
def test_holiday_page_falls_back_to_this_year_for_absurd_years(
    session_id, coordinator, login_as, year
):
    client = login_as(coordinator)
    response = client.get(f"/holidays?year={year}")
    assert response.status_code == 200
    assert "2026" in response.text  # the current academic year (clock: 2026-11-04)


def test_cancel_without_a_reason_shows_the_message_on_the_field(session_id, coordinator, login_as):
    client = login_as(coordinator)
    response = client.post(f"/sessions/{session_id}/cancel", data={"reason": "   "})
    assert response.status_code == 200  # the form again with its message, not a 400
    assert "Say why the session is cancelled." in response.text
    summary = response.text.split('id="problem-summary"', 1)[1].split("</div>", 1)[0]
    assert '<a href="#reason"' in summary
    assert "Say why the session is cancelled." in summary
    assert 'id="reason"' in response.text  # the form is on the page again
    db.session.expire_all()
    session = db.session.scalar(db.select(Session).where(Session.public_id == session_id))
    assert not session.is_cancelled


def test_cancel_with_too_long_a_reason_keeps_what_was_typed(session_id, coordinator, login_as):
    client = login_as(coordinator)
    reason = "Snow storm closes the hospital campus. " * 60  # > 2,000 characters
    response = client.post(f"/sessions/{session_id}/cancel", data={"reason": reason})
    assert response.status_code == 200
    assert "Keep the reason under 2,000 characters." in response.text
    assert reason.strip()[:200] in response.text
    db.session.expire_all()
    session = db.session.scalar(db.select(Session).where(Session.public_id == session_id))
    assert not session.is_cancelled


def test_long_unbroken_cancel_reason_wraps(session_id, coordinator, login_as):
    client = login_as(coordinator)
    client.post(f"/sessions/{session_id}/cancel", data={"reason": "x" * 300})
    page = client.get(f"/sessions/{session_id}").text
    assert re.search(r'class="alert alert-secondary text-break"[^>]*><strong>Cancelled', page)


def test_scrolling_tables_contain_their_visually_hidden_labels():
    """A visually-hidden (absolutely positioned) label inside a .table-responsive that is
    not positioned escapes it and widens the whole page on a phone."""
    offenders = []
    for folder in ("schedule", "teaching"):
        for path in sorted((TEMPLATES / folder).glob("*.html")):
            for line in path.read_text().splitlines():
                if "table-responsive" in line and "position-relative" not in line:
                    offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []
