"""The session editor in a real browser: the end follows a new start, the warnings are
asked before anything is saved, "Save anyway" moves the session; and all of it by
keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import pytest
from playwright.sync_api import Page, expect

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule import queries
from conferences.schedule.holidays import add_holiday
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def us_page(browser, live_server) -> Iterator[Page]:
    """A page whose date and time inputs read month/day/year and hours first (en-US)."""
    ctx = browser.new_context(base_url=live_server.url, locale="en-US")
    ctx.set_default_timeout(10_000)
    yield ctx.new_page()
    ctx.close()


def _coordinator(make_user):
    make_user(roles=("coordinator",), email="coord@example.test", name="Cora Coordinator")


def test_change_the_start_see_the_end_follow_confirm_a_conflict_and_move(
    page, make_user, make_session, app_ctx, clock
):
    _coordinator(make_user)
    session = make_session(on=date(2026, 11, 12), title="Morning report", room="Room 1")
    make_session(on=date(2026, 11, 13), start=time(14), title="Grand rounds", room="Aud")
    db.session.commit()
    login(page, "coord@example.test")

    page.goto(f"/sessions/{session.public_id}")
    page.get_by_role("link", name="Edit or move").click()
    page.get_by_label("Date").fill("2026-11-13")
    page.get_by_label("Starts at").fill("14:00")
    expect(page.get_by_label("Ends at")).to_have_value("15:00")  # followed the start
    page.get_by_label("Room").fill("Aud")
    page.get_by_role("button", name="Save", exact=True).click()

    warnings = page.locator("#edit-warnings")
    expect(warnings).to_contain_text("Aud is double-booked")
    expect(warnings).to_contain_text("Grand rounds")
    expect(warnings).to_be_focused()
    expect(page.get_by_label("Ends at")).to_have_value("15:00")
    db.session.expire_all()
    assert timeutil.local_date(session.starts_at) == date(2026, 11, 12)  # nothing saved yet

    page.get_by_role("button", name="Save anyway").click()
    expect(page.get_by_role("alert").first).to_contain_text("It is on Fri 13 Nov 2026 14:00")
    expect(page.locator(".session-when")).to_contain_text("14:00–15:00")
    db.session.expire_all()
    assert timeutil.local_date(session.starts_at) == date(2026, 11, 13)
    assert queries.wall_times(session) == (time(14), time(15))
    assert session.room == "Aud"


def _tab_to(page: Page, check: str, limit: int = 80) -> None:
    """Press Tab until ``check`` (a script over the focused element) is true."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => {check})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached: {check}")


def test_the_editor_by_keyboard_alone(us_page, make_user, make_session, app_ctx, clock):
    page = us_page
    _coordinator(make_user)
    add_holiday("Program retreat", date(2026, 12, 12))
    session = make_session(on=date(2026, 11, 12), title="Morning report")
    db.session.commit()
    login(page, "coord@example.test")
    page.goto(f"/sessions/{session.public_id}")

    _tab_to(page, "el.textContent.trim() === 'Edit or move'")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Date")).to_have_value("2026-11-12")
    _tab_to(page, "el.name === 'day'")
    page.keyboard.press("ArrowUp")  # the month: 12 November -> 12 December
    expect(page.get_by_label("Date")).to_have_value("2026-12-12")
    _tab_to(page, "el.name === 'start_time'")
    page.keyboard.press("ArrowUp")  # the hour: 12:00 -> 13:00
    expect(page.get_by_label("Starts at")).to_have_value("13:00")
    expect(page.get_by_label("Ends at")).to_have_value("14:00")
    expect(page.locator("#end-follows")).to_have_text("The end moved to 14:00.")
    _tab_to(page, "el.type === 'submit' && el.textContent.trim() === 'Save'")
    page.keyboard.press("Enter")

    warnings = page.locator("#edit-warnings")
    expect(warnings).to_contain_text("Program retreat")
    expect(warnings).to_be_focused()
    db.session.expire_all()
    assert timeutil.local_date(session.starts_at) == date(2026, 11, 12)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save anyway")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator(".session-when")).to_contain_text("13:00–14:00")
    db.session.expire_all()
    assert timeutil.local_date(session.starts_at) == date(2026, 12, 12)
    assert queries.wall_times(session) == (time(13), time(14))
