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
