"""Generating a series' sessions: the conflicts they would have are in the preview, before
anything is created, and they are the ones said after generating."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy import func, select

from conferences.extensions import db
from conferences.schedule import series_changes
from conferences.schedule.conflicts import conflict_warnings
from conferences.schedule.models import Session
from tests.schedule.conftest import series_values


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Session))


def test_the_plan_names_the_conflicts_before_anything_is_created(
    app_ctx, clock, make_session, coordinator
):
    make_session(on=date(2026, 11, 18), start=time(12, 30), room="Room 5A", title="Grand rounds")
    make_session(on=date(2026, 11, 20), start=time(12), room="Aud", title="Town hall")
    make_session(on=date(2026, 11, 23), start=time(12), room="Aud", required=False)  # optional
    series = series_changes.create_series(series_values(), coordinator)
    before = _count()

    plan = series_changes.plan_generation(series, check_conflicts=True)
    assert len(plan.new) == 16
    assert any(
        "Room 5A is double-booked on Wed 18 Nov 2026 12:00" in w and "Grand rounds" in w
        for w in plan.conflicts
    )
    assert any("overlaps the required “Grand rounds”" in w for w in plan.conflicts)
    assert any("overlaps the required “Town hall”" in w for w in plan.conflicts)
    assert not any("23 Nov" in w for w in plan.conflicts)  # optional, another room
    assert len(plan.conflicts) == 3
    assert _count() == before  # a preview creates nothing
    assert series_changes.plan_generation(series).conflicts == ()  # asked for only

    created = series_changes.generate_sessions(series, coordinator).created
    assert set(conflict_warnings(created)) == set(plan.conflicts)


def test_sessions_already_there_are_not_planned_again(app_ctx, clock, make_session, coordinator):
    series = series_changes.create_series(series_values(), coordinator)
    series_changes.generate_sessions(series, coordinator)
    make_session(on=date(2026, 11, 18), room="Room 5A", title="Grand rounds")
    plan = series_changes.plan_generation(series, check_conflicts=True)
    assert plan.new == []
    assert plan.conflicts == ()


def test_the_series_page_shows_the_conflicts_before_generating(
    client, clock, make_session, coordinator, login_as
):
    make_session(on=date(2026, 11, 18), start=time(12, 30), room="Room 5A", title="Grand rounds")
    series = series_changes.create_series(series_values(slug="noon"), coordinator)
    login_as(coordinator)
    before = _count()
    page = client.get("/series/noon").text
    assert 'id="generate-conflicts"' in page
    assert "Room 5A is double-booked on Wed 18 Nov 2026 12:00" in page
    assert page.index('id="generate-conflicts"') < page.index("Generate sessions</button>")
    assert _count() == before
    assert series.slug == "noon"
