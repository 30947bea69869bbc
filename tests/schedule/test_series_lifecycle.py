"""New series defaults, the generation preview of past dates, what public means, and
deleting a series with its sessions."""

from __future__ import annotations

from datetime import date

from conferences.extensions import db
from conferences.schedule import series_changes
from conferences.schedule.models import Series, Session
from tests.schedule.conftest import series_values


def test_new_series_form_starts_on_the_next_weekday(clock, coordinator, login_as):
    client = login_as(coordinator)
    clock.set(clock.at.replace(year=2026, month=11, day=6, hour=15))  # Friday
    html = client.get("/series/new").get_data(as_text=True)
    assert 'value="2026-11-09"' in html  # Monday, not 1 July
    assert 'value="2027-06-30"' in html
    assert "no one is counted as having missed them until attendance is recorded" in html
    assert "subscribe to the series&#39; calendar feed" in html
    assert "faculty and guests may see it" not in html


def test_preview_says_how_many_past_dates_it_would_add(clock, coordinator, login_as):
    series = series_changes.create_series(
        series_values(weekdays=[0], starts_on=date(2026, 10, 5), ends_on=date(2026, 11, 30)),
        actor=None,
        confirm_past=True,
    )
    assert series_changes.plan_generation(series).past == 5  # Oct 5, 12, 19, 26, Nov 2
    db.session.commit()
    html = login_as(coordinator).get(f"/series/{series.slug}").get_data(as_text=True)
    assert "5 of them on past dates" in html


def test_a_series_without_records_is_deleted_with_its_sessions(clock, coordinator, login_as):
    series = series_changes.create_series(series_values(), actor=None, confirm_past=True)
    created = series_changes.generate_sessions(series, actor=None).created
    assert created
    slug = series.slug
    db.session.commit()
    client = login_as(coordinator)
    assert "Delete series and sessions" in client.get(f"/series/{slug}").text
    answer = client.post(f"/series/{slug}/delete")
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Series.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Session.id))) == 0


def test_a_series_with_records_is_not_deleted_and_says_which(
    clock, coordinator, login_as, make_resident
):
    from conferences.attendance.models import Attendance

    series = series_changes.create_series(series_values(), actor=None, confirm_past=True)
    created = series_changes.generate_sessions(series, actor=None).created
    resident = make_resident()
    db.session.add(
        Attendance(session_id=created[0].id, resident_id=resident.id, mark="present", source="x")
    )
    db.session.commit()
    client = login_as(coordinator)
    page = client.get(f"/series/{series.slug}").text
    assert 'id="delete-blockers"' in page
    assert "1 attendance records" in page
    answer = client.post(f"/series/{series.slug}/delete", follow_redirects=True)
    assert "cannot be deleted" in answer.text
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Series.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Session.id))) == len(created)
