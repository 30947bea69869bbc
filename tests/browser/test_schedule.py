"""Journey 1 in a real browser: create a series, generate it, cancel one occurrence."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from conferences.extensions import db
from conferences.schedule.models import Series, Session
from tests.browser.conftest import login

# Marked here, not only by the folder hook, so the sqlite-only parametrization applies.
pytestmark = pytest.mark.browser


def test_coordinator_creates_generates_and_cancels(page, make_user, app_ctx, clock):
    make_user(roles=("coordinator",), email="coord@example.test", name="Cora Coordinator")
    db.session.commit()
    login(page, "coord@example.test")

    page.goto("/series/new")
    page.get_by_label("Title", exact=True).fill("Noon Conference")
    page.get_by_label("Kind").select_option("noon_conference")
    page.get_by_label("Starts at").fill("12:00")
    page.get_by_label("Ends at").fill("13:00")
    page.get_by_label("Room").fill("Room 5A")
    page.get_by_label("First date", exact=True).fill("2026-11-09")
    page.get_by_label("Last date", exact=True).fill("2026-12-18")
    expect(page.get_by_label("Friday")).to_be_checked()  # weekdays are the default
    page.get_by_label("Monthly").check()
    expect(page.get_by_label("Week of the month")).to_be_visible()
    page.get_by_label("Weekly").check()
    expect(page.get_by_label("Week of the month")).to_be_hidden()
    page.get_by_role("button", name="Create series").click()

    expect(page.get_by_role("heading", name="Noon Conference")).to_be_visible()
    expect(page.locator("#generate-plan")).to_contain_text("add 30 session(s)")
    page.get_by_role("button", name="Generate sessions").click()
    expect(page.get_by_role("alert").first).to_contain_text("Created 30 session(s)")
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Session)) == 30
    assert db.session.scalar(select(Series.room)) == "Room 5A"

    page.goto("/schedule?view=list&start=2026-11-10&end=2026-11-10")
    page.get_by_role("link", name="Noon Conference").first.click()
    expect(page.locator(".session-when")).to_contain_text("12:00–13:00")
    page.get_by_label("Reason (shown to everyone)").fill("Hospital town hall")
    page.get_by_role("button", name="Cancel this session").click()

    expect(page.get_by_role("status")).to_contain_text("Hospital town hall")
    title = page.locator("h1 .session-title")
    expect(title).to_have_css("text-decoration-line", "line-through")
    page.goto("/schedule?view=list&start=2026-11-10&end=2026-11-10")
    struck = page.locator(".session-cancelled .session-title").first
    expect(struck).to_have_css("text-decoration-line", "line-through")
    expect(page.get_by_text(re.compile("Cancelled: Hospital town hall"))).to_be_visible()
