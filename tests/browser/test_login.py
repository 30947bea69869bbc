"""The real sign-in page in a real browser: every demo role, a wrong password, a phone."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import Page, expect

from conferences import timeutil
from conferences.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoContext
from conferences.extensions import db
from conferences.people import demo
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

# What each demo account's home shows: its greeting and the section of its role.
HOMES = {
    "admin": ("Hello, Alex", "Administration"),
    "coordinator": ("Hello, Casey", "Program"),
    "faculty": ("Hello, Frances", "Teaching"),
    "resident": ("Hello, Riley", "Resident"),
}


@pytest.fixture
def demo_people(app):
    """The demo program's people (the four demo accounts among them)."""
    with app.app_context():
        today = timeutil.local_today()
        ctx = DemoContext(
            rng=random.Random(2026), today=today, academic_year=timeutil.academic_year_of(today)
        )
        ctx.log = lambda _message: None
        demo.load(ctx)
        db.session.commit()


@pytest.mark.parametrize("role", list(HOMES))
def test_each_demo_role_signs_in_and_sees_its_home(page: Page, live_server, demo_people, role):
    login(page, DEMO_ACCOUNTS[role], DEMO_PASSWORD)
    greeting, section = HOMES[role]
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name=greeting)).to_be_visible()
    expect(page.get_by_role("heading", name=section, exact=True)).to_be_visible()


def test_admin_home_links_to_the_admin_pages(page: Page, demo_people):
    login(page, DEMO_ACCOUNTS["admin"], DEMO_PASSWORD)
    page.get_by_role("link", name="Residents").click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    # 190 residents in training and last year's 60 graduates (alumni keep their accounts).
    expect(page.get_by_text("250 people")).to_be_visible()


def test_wrong_password_shows_an_error(page: Page, live_server, demo_people):
    login(page, DEMO_ACCOUNTS["faculty"], "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Wrong e-mail or password")
    expect(page).to_have_url(f"{live_server.url}/login")
    expect(page.get_by_label("Email")).to_be_visible()


def _no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"page is {width}px wide at phone width"


def test_phone_width_collapses_the_nav(phone_page: Page, demo_people):
    page = phone_page
    page.goto("/login")
    _no_horizontal_scroll(page)
    login(page, DEMO_ACCOUNTS["admin"], DEMO_PASSWORD)
    expect(page.get_by_role("heading", name="Hello, Alex")).to_be_visible()
    toggler = page.get_by_role("button", name="Toggle navigation")
    expect(toggler).to_be_visible()
    menu = page.locator("#main-nav")
    expect(menu).to_be_hidden()
    _no_horizontal_scroll(page)

    toggler.click()
    expect(menu).to_be_visible()
    admin_menu = menu.get_by_role("button", name="Admin", exact=True)
    admin_menu.click()
    menu.get_by_role("link", name="People", exact=True).click()
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    _no_horizontal_scroll(page)
    for path in (
        "/admin/settings",
        "/admin/firms-and-tracks",
        "/admin/roster",
        "/admin/people/new",
    ):
        page.goto(path)
        _no_horizontal_scroll(page)
