"""Journey 4 in a real browser: the projector screen, a phone checking in, the live count."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
from playwright.sync_api import expect

from conferences.extensions import db
from tests.browser.conftest import PHONE, login

pytestmark = pytest.mark.browser

SESSION_DAY = date(2026, 11, 4)  # the clock fixture's day; 10:00 local is its instant
CODE_PATTERN = re.compile(r"^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$")


def test_typed_code_checks_in_and_the_display_count_goes_up(
    browser, live_server, clock, make_user, make_resident, make_session
):
    make_user(roles=("coordinator",), email="coord@example.test", name="Cora Coordinator")
    make_resident(email="res@example.test", name="Rita Resident")
    session = make_session(on=SESSION_DAY, start=time(10, 0), title="Noon Conference")
    db.session.commit()

    projector = browser.new_context(base_url=live_server.url)
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    try:
        screen = projector.new_page()
        login(screen, "coord@example.test")
        screen.goto(f"/sessions/{session.public_id}/checkin/display")
        code = screen.locator("#checkin-code")
        expect(code).to_have_text(CODE_PATTERN)
        expect(screen.locator("#checkin-count")).to_have_text("0")
        expect(screen.locator("svg.checkin-qr")).to_be_visible()

        resident = phone.new_page()
        login(resident, "res@example.test")
        resident.goto("/checkin")
        resident.get_by_label("Check-in code").fill(code.inner_text())
        resident.get_by_role("button", name="Check in").click()
        expect(resident.get_by_role("heading", name="You are checked in")).to_be_visible()
        expect(resident.get_by_text("You are checked in to Noon Conference")).to_be_visible()

        # htmx polling refreshes the screen: no reload, no sleeps.
        expect(screen.locator("#checkin-count")).to_have_text("1", timeout=15_000)
    finally:
        projector.close()
        phone.close()


def test_scanned_link_survives_login_and_checks_in_with_one_tap(
    browser, live_server, clock, make_resident, make_session
):
    from conferences.attendance import checkin as codes

    make_resident(email="tap@example.test", name="Tara Tap")
    session = make_session(on=SESSION_DAY, start=time(10, 0), title="Morning Report")
    db.session.commit()
    code = codes.current_code(session.checkin_secret, clock())

    phone = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    try:
        page = phone.new_page()
        page.goto(f"/sessions/{session.public_id}/checkin?c={code}")
        page.get_by_label("Email").fill("tap@example.test")
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("button", name="Check in").click()
        expect(page.get_by_role("heading", name="You are checked in")).to_be_visible()
        assert any(c["name"] == "checkin_device" and c["httpOnly"] for c in phone.cookies())
    finally:
        phone.close()
