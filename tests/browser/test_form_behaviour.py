"""In a real browser: long words stay in the month grid, a create form is sent once,
the problem summary takes the focus, the feed reset asks first."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from conferences.extensions import db
from conferences.schedule.models import Holiday
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_a_long_unbroken_word_does_not_widen_the_month(
    page, make_user, make_session, app_ctx, clock
):
    coordinator = make_user(roles=("coordinator",))
    make_session(on=date(2026, 11, 12), title="X" * 200)
    db.session.commit()
    login(page, coordinator.email)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/schedule?view=month&date=2026-11-10")
    expect(page.locator(".calendar-month")).to_be_visible()
    expect(page.get_by_text("X" * 20, exact=False).first).to_be_visible()
    width = page.evaluate("document.querySelector('.calendar-month').scrollWidth")
    room = page.evaluate("document.querySelector('main').clientWidth")
    assert width <= room, f"the month table is {width}px wide in {room}px"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


def test_double_click_on_create_sends_once_and_problems_take_focus(page, make_user, app_ctx, clock):
    coordinator = make_user(roles=("coordinator",))
    db.session.commit()
    login(page, coordinator.email)
    page.goto("/holidays")
    page.get_by_label("Name").fill("Retreat")
    page.get_by_label("First day").fill("2027-03-05")
    button = page.locator("form:has(#name) button[type=submit]")
    button.dblclick()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_text("Added Retreat")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Holiday.id))) == 1

    page.get_by_label("Name").fill("Far")
    page.get_by_label("First day").fill("9999-01-01")
    page.locator("form:has(#name) button[type=submit]").click()
    summary = page.locator("#problem-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose a date between 1900 and 2199")
    expect(page.get_by_label("Name")).to_have_value("Far")


def test_feed_reset_asks_first_and_says_what_it_does(page, make_resident, app_ctx, clock):
    resident = make_resident(pgy=1)
    db.session.commit()
    login(page, resident.email)
    page.goto("/my-calendar")
    page.get_by_role("button", name="Create my calendar address").click()
    before = page.locator("#feed-url").input_value()
    assert "/feeds/" in before
    messages: list[str] = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Reset my feed address").click()
    assert messages
    assert "stop" in messages[0]
    expect(page.locator("#feed-url")).to_have_value(before)
