"""Starting the next academic year in a real browser: from the series list to the
preview, then applying it; a second run adds nothing; undo; and on a phone."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from conferences.extensions import db
from conferences.schedule import holidays as holiday_service
from conferences.schedule import series_changes
from conferences.schedule.models import Session
from tests.browser.conftest import login
from tests.schedule.conftest import series_values

pytestmark = pytest.mark.browser


def _next_year_count() -> int:
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(Session.id)).where(Session.occurrence_on >= date(2027, 7, 1))
    )


def _program(make_user):
    coordinator = make_user(roles=("coordinator",), email="coord@example.test")
    holiday_service.prefill_federal_holidays(2026)
    holiday_service.add_holiday("Winter break", date(2026, 12, 21), date(2027, 1, 1))
    series = series_changes.create_series(
        series_values(starts_on=date(2026, 7, 1), ends_on=date(2027, 6, 30)),
        actor=None,
        confirm_past=True,
    )
    series_changes.generate_sessions(series, actor=None)
    db.session.commit()
    return coordinator


def test_roll_forward_from_the_series_list(page, make_user, app_ctx, clock):
    coordinator = _program(make_user)
    login(page, coordinator.email)
    page.goto("/series")
    page.get_by_role("link", name="Start next academic year").click()
    expect(page.get_by_role("heading", name="Start academic year 2027–28")).to_be_visible()
    table = page.locator("#rollforward-series")
    expect(table).to_contain_text("Thu 25 Nov 2027 (Thanksgiving Day)")
    expect(table).to_contain_text("Mon 06 Sep 2027 (Labor Day)")
    expect(page.get_by_label("From")).to_have_value("2027-12-21")
    summary = page.locator("#rollforward-summary")
    expect(summary).to_contain_text("Would create")
    assert _next_year_count() == 0

    # Change the proposed winter break, look again, then apply.
    page.get_by_label("From").fill("2027-12-20")
    page.get_by_role("button", name="Update preview").click()
    expect(table).to_contain_text("Mon 20 Dec 2027 (Winter break)")
    page.get_by_role("button", name="Create next year's sessions").click()
    expect(page.get_by_role("alert").first).to_contain_text("Rolled 1 series into 2027–28")
    created = _next_year_count()
    assert created > 200
    expect(summary).to_contain_text("Nothing to add")

    page.get_by_role("button", name="Create next year's sessions").click()
    expect(page.get_by_role("alert").first).to_contain_text("Nothing to add")
    assert _next_year_count() == created

    page.get_by_role("button", name="Undo roll-forward into 2027–28").click()
    expect(page.get_by_role("alert").first).to_contain_text("Undone: removed")
    assert _next_year_count() == 0


def test_the_preview_fits_a_phone(phone_page, make_user, app_ctx, clock):
    coordinator = _program(make_user)
    login(phone_page, coordinator.email)
    phone_page.goto("/schedule/roll-forward")
    expect(phone_page.locator("#rollforward-summary")).to_contain_text("Would create")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide at phone width"
