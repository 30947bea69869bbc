"""Jump to a date in the month view by keyboard alone, without losing the filters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from conferences.extensions import db
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def us_page(browser, live_server) -> Iterator[Page]:
    """A page whose date inputs read month/day/year (en-US)."""
    ctx = browser.new_context(base_url=live_server.url, locale="en-US")
    ctx.set_default_timeout(10_000)
    yield ctx.new_page()
    ctx.close()


def test_jump_to_a_date_by_keyboard(us_page, make_user, make_session, app_ctx, clock):
    page = us_page
    make_user(roles=("coordinator",), email="coord@example.test")
    make_session(on=date(2027, 2, 10), title="Valentine cardiology", kind="lecture")
    db.session.commit()
    login(page, "coord@example.test")
    page.goto("/schedule?view=month&kind=lecture")
    expect(page.get_by_role("heading", name="November 2026")).to_be_visible()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "jump-date":
            break
    else:
        raise AssertionError("Tab never reached the date to go to")
    page.keyboard.type("02102027")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="February 2027")).to_be_visible()
    assert "kind=lecture" in page.url
    assert "view=month" in page.url
    expect(page.locator('td[data-day="2027-02-10"]')).to_contain_text("Valentine cardiology")
