"""The calendar's holiday names in a real browser, on a phone and on a wide screen."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from conferences.extensions import db
from conferences.schedule.holidays import add_holiday
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_phone_month_names_the_holidays_without_sideways_scroll(
    phone_page, make_resident, app_ctx, clock
):
    resident = make_resident(pgy=1)
    long_name = "Winter break for the whole residency program"
    add_holiday(long_name, date(2026, 12, 21), date(2027, 1, 1))
    db.session.commit()
    page = phone_page
    login(page, resident.email)

    page.goto("/schedule?view=month&date=2026-12-10")
    christmas = page.get_by_role("region", name="Fri 25 Dec 2026")
    expect(christmas).to_contain_text("Holiday")
    expect(christmas).to_contain_text(long_name)
    expect(page.locator(".calendar-agenda .holiday-name")).to_have_count(12)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide at phone width"


def test_wide_week_shows_the_holiday_in_its_day(page, make_resident, app_ctx, clock):
    resident = make_resident(pgy=1)
    add_holiday("Thanksgiving Day", date(2026, 11, 26))
    db.session.commit()
    login(page, resident.email)
    page.set_viewport_size({"width": 1280, "height": 800})

    page.goto("/schedule?view=week&date=2026-11-24")
    thursday = page.locator('.calendar-week [data-day="2026-11-26"]')
    expect(thursday.locator(".holiday-name")).to_have_text("Thanksgiving Day")
    expect(thursday.locator(".holiday-name")).to_be_visible()
    expect(page.locator(".calendar-week .holiday-name")).to_have_count(1)
