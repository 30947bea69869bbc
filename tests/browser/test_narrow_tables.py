"""Tables with action buttons become cards on a phone: Needs-a-teacher's Assign is on screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from conferences import timeutil
from conferences.extensions import db
from conferences.teaching.models import TeachingSlot
from tests.browser.conftest import PHONE, login

pytestmark = pytest.mark.browser


def test_assign_buttons_are_on_screen_on_a_phone(phone_page, make_user, make_session):
    make_user(roles=("coordinator",), email="cards@example.test")
    session = make_session(
        on=timeutil.local_today() + timedelta(days=3),
        title="A conference with a rather long title that used to widen the table a lot",
    )
    db.session.add(TeachingSlot(session_id=session.id, role="lecturer"))
    db.session.commit()

    login(phone_page, "cards@example.test")
    phone_page.goto("/teaching/needs-teacher")
    assign = phone_page.get_by_role("link", name="Assign")
    expect(assign).to_be_visible()
    box = assign.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    # Each cell names its column, and nothing scrolls sideways.
    expect(phone_page.locator("td[data-label='Session']")).to_be_visible()
    wide = phone_page.evaluate(
        "Math.max(...[...document.querySelectorAll('.table-responsive')]"
        ".map(e => e.scrollWidth - e.clientWidth), 0)"
    )
    assert wide == 0
