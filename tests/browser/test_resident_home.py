"""The resident home in a real browser: checking in from home with the code on the screen."""

from __future__ import annotations

from datetime import date, time

import pytest
from playwright.sync_api import expect

from conferences.attendance import checkin as codes
from conferences.extensions import db
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SESSION_DAY = date(2026, 11, 4)  # the clock fixture's day; 10:00 local is its instant


def test_resident_checks_in_from_home_in_one_tap(phone_page, clock, make_resident, make_session):
    make_resident(email="home@example.test", name="Hana Home", on=SESSION_DAY)
    session = make_session(
        on=SESSION_DAY, start=time(10, 0), title="Morning Report", room="Room 4B"
    )
    db.session.commit()
    code = codes.current_code(session.checkin_secret, clock())

    login(phone_page, "home@example.test")
    item = phone_page.locator(f"#agenda-{session.public_id}")
    expect(item).to_contain_text("Room 4B")
    item.get_by_label("Code on the screen").fill(code)
    item.get_by_role("button", name="Check in").click()  # the one tap

    expect(phone_page.get_by_role("heading", name="You are checked in")).to_be_visible()
    phone_page.goto("/")
    expect(phone_page.locator(f"#agenda-{session.public_id}")).to_contain_text("Checked in")


def _tab_to(page, element_id: str, limit: int = 60) -> int:
    """Press Tab until ``element_id`` has the focus; return how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return presses
    raise AssertionError(f"#{element_id} never received the focus in {limit} Tab presses")


def test_keyboard_only_check_in_from_home(page, clock, make_resident, make_session):
    make_resident(email="keys@example.test", name="Kim Keys", on=SESSION_DAY)
    session = make_session(on=SESSION_DAY, start=time(10, 0), title="Noon Conference")
    db.session.commit()
    code = codes.current_code(session.checkin_secret, clock())

    login(page, "keys@example.test")
    page.goto("/")
    _tab_to(page, f"code-{session.public_id}")
    page.keyboard.type(code)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.startswith("Check in")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="You are checked in")).to_be_visible()


def test_keyboard_only_check_in_with_the_typed_code_page(page, clock, make_resident, make_session):
    make_resident(email="keys2@example.test", name="Kai Keys", on=SESSION_DAY)
    session = make_session(on=SESSION_DAY, start=time(10, 0), title="Morning Report")
    db.session.commit()
    code = codes.current_code(session.checkin_secret, clock())

    login(page, "keys2@example.test")
    page.goto("/checkin")
    # The code field has the focus on arrival; Enter sends the form.
    assert page.evaluate("document.activeElement.id") == "code"
    page.keyboard.type(code)
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="You are checked in")).to_be_visible()
