"""The roll-forward page (preview, apply, undo) and the warning when a series would
generate into an academic year without holidays."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from conferences.extensions import db
from conferences.program.services import set_threshold, threshold_for
from conferences.schedule import holidays as holiday_service
from conferences.schedule import series_changes
from conferences.schedule.models import Session, YearRollover
from tests.schedule.conftest import series_values


def _this_year():
    holiday_service.prefill_federal_holidays(2026)
    holiday_service.add_holiday("Winter break", date(2026, 12, 21), date(2027, 1, 1))
    series = series_changes.create_series(
        series_values(starts_on=date(2026, 7, 1), ends_on=date(2027, 6, 30)),
        actor=None,
        confirm_past=True,
    )
    series_changes.generate_sessions(series, actor=None)
    set_threshold(2026, 80)
    return series


def _new_year_sessions() -> int:
    return db.session.scalar(
        select(func.count(Session.id)).where(Session.occurrence_on >= date(2027, 7, 1))
    )


def test_the_page_previews_then_applies_once(clock, coordinator, login_as):
    series = _this_year()
    client = login_as(coordinator)
    assert "Start next academic year" in client.get("/series").text
    html = client.get("/schedule/roll-forward").text
    assert "Start academic year 2027–28" in html
    assert "Thu 25 Nov 2027 (Thanksgiving Day)" in html
    assert "Mon 06 Sep 2027 (Labor Day)" in html
    assert 'value="2027-12-21"' in html  # the winter break, proposed at the same dates
    assert 'value="80"' in html
    assert _new_year_sessions() == 0

    form = {
        "to_year": "2027",
        "series": [series.slug],
        "threshold": "75",
        "blackouts-0-include": "y",
        "blackouts-0-name": "Winter break",
        "blackouts-0-starts_on": "2027-12-20",
        "blackouts-0-ends_on": "2027-12-31",
        "apply": "Create next year's sessions",
    }
    answer = client.post("/schedule/roll-forward", data=form)
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).text
    assert "Rolled 1 series into 2027–28" in page
    assert "Undo roll-forward into 2027–28" in page
    created = _new_year_sessions()
    assert created > 200
    days = set(db.session.scalars(select(Session.occurrence_on)))
    assert date(2027, 12, 20) not in days  # the dates as confirmed
    assert date(2027, 11, 25) not in days
    assert (threshold_for(2026), threshold_for(2027)) == (80, 75)

    again = client.post("/schedule/roll-forward", data=form)
    assert "Nothing to add" in client.get(again.headers["Location"]).text
    assert _new_year_sessions() == created

    undone = client.post("/schedule/roll-forward/undo")
    assert undone.status_code == 303
    assert "Undone: removed" in client.get(undone.headers["Location"]).text
    assert _new_year_sessions() == 0


def test_update_preview_writes_nothing_and_no_series_ticked_is_refused(
    clock, coordinator, login_as
):
    series = _this_year()
    client = login_as(coordinator)
    html = client.post(
        "/schedule/roll-forward",
        data={"to_year": "2027", "series": [series.slug], "preview": "Update preview"},
    ).text
    assert "Would create" in html
    assert "(Winter break)" not in html  # the blackout row was not kept
    html = client.post("/schedule/roll-forward", data={"to_year": "2027", "apply": "Create"}).text
    assert "Choose at least one series to carry." in html
    assert db.session.scalar(select(func.count(YearRollover.id))) == 0
    assert _new_year_sessions() == 0


def test_residents_cannot_roll_forward(clock, make_resident, login_as):
    client = login_as(make_resident())
    assert client.get("/schedule/roll-forward").status_code == 403
    assert client.post("/schedule/roll-forward/undo").status_code == 403


def test_generating_into_a_year_without_holidays_warns_and_offers_to_fill(
    clock, coordinator, login_as
):
    series = series_changes.create_series(
        series_values(starts_on=date(2027, 7, 1), ends_on=date(2028, 6, 30)), actor=None
    )
    db.session.commit()
    client = login_as(coordinator)
    html = client.get(f"/series/{series.slug}").text
    assert "2027–28 has no holidays yet" in html
    answer = client.post("/holidays/prefill", data={"year": "2027", "series": series.slug})
    assert answer.headers["Location"].endswith(f"/series/{series.slug}")
    html = client.get(f"/series/{series.slug}").text
    assert "has no holidays yet" not in html
    assert "Thanksgiving Day" in html


def test_the_generate_command_warns_about_a_year_without_holidays(clock, app_ctx, runner):
    series = series_changes.create_series(
        series_values(starts_on=date(2027, 7, 1), ends_on=date(2027, 12, 31)), actor=None
    )
    db.session.commit()
    result = runner.invoke(args=["schedule", "generate", series.slug])
    assert result.exit_code == 0
    assert "2027–28 has no holidays yet" in result.output
