"""My calendar in a real browser: the copy button and the webcal link."""

from __future__ import annotations

import pytest

from conferences.extensions import db
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


@pytest.fixture
def resident(app, make_resident):
    with app.app_context():
        person = make_resident(pgy=1, email="feeds-browser@example.test")
        db.session.commit()
        return person.email


def test_copy_button_copies_the_feed_address(browser, live_server, resident):
    context = browser.new_context(base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    try:
        login(page, resident)
        page.goto("/my-calendar")
        page.get_by_role("button", name="Create my calendar address").click()
        page.wait_for_url("**/my-calendar")
        address = page.get_by_role("textbox", name="Feed address").input_value()
        assert address.startswith("http://conferences.test/feeds/")
        assert address.endswith(".ics")

        webcal = page.locator("#webcal-link")
        assert webcal.get_attribute("href") == "webcal://" + address.split("://", 1)[1]

        button = page.get_by_role("button", name="Copy")
        button.click()
        page.wait_for_function("document.getElementById('copy-feed-url').textContent === 'Copied'")
        assert page.evaluate("navigator.clipboard.readText()") == address
    finally:
        context.close()


def test_my_calendar_fits_a_phone(phone_page, resident):
    login(phone_page, resident)
    phone_page.goto("/my-calendar")
    assert phone_page.get_by_role("heading", name="My calendar").is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375
