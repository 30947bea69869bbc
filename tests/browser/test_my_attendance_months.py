"""My attendance in a real browser: a closed month's sessions load when it is opened."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from conferences.extensions import db
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_opening_a_closed_month_loads_its_sessions(page, clock, make_resident, make_session):
    make_resident(email="months@example.test", name="Mo Months", on=date(2026, 11, 4))
    make_session(on=date(2026, 9, 8), title="September talk")
    make_session(on=date(2026, 10, 6), title="October talk")
    make_session(on=date(2026, 11, 2), title="November talk")
    db.session.commit()

    login(page, "months@example.test")
    page.goto("/my/attendance")
    expect(page.get_by_text("November talk")).to_be_visible()
    september = page.locator("details#month-2026-09")
    expect(september.locator("table")).to_have_count(0)  # not sent with the page
    september.locator("summary").click()
    expect(september.get_by_role("link", name="September talk")).to_be_visible()
