"""A snow day in a real browser: cancel every session of a day in four steps."""

from __future__ import annotations

from datetime import date, time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.schedule.models import Session
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

SNOW_DAY = date(2026, 11, 5)  # the clock fixture's tomorrow


def test_coordinator_cancels_a_day_from_the_calendar(
    page, make_user, make_resident, make_session, app_ctx, clock
):
    make_user(roles=("coordinator",), email="coord@example.test", name="Cora Coordinator")
    resident = make_resident(pgy=1, email="res@example.test")
    make_session(on=SNOW_DAY, start=time(8, 0), title="Morning Report")
    make_session(on=SNOW_DAY, start=time(12, 0), title="Noon Conference")
    db.session.commit()
    login(page, "coord@example.test")
    page.goto(f"/schedule?view=week&date={SNOW_DAY.isoformat()}")

    page.get_by_role("link", name="Cancel this day (Thu 05 Nov 2026)").click()  # 1
    expect(page.get_by_label("First day")).to_have_value(SNOW_DAY.isoformat())
    page.get_by_label("Reason (shown to everyone)").fill("Snow day: campus closed")  # 2
    page.get_by_role("button", name="Show the sessions").click()  # 3
    preview = page.locator("#cancel-preview")
    expect(preview).to_contain_text("Morning Report")
    expect(preview).to_contain_text("Noon Conference")
    page.get_by_role("button", name="Cancel 2 session(s)").click()  # 4

    expect(page.get_by_role("alert").first).to_contain_text("Cancelled 2 session(s)")
    db.session.expire_all()
    statuses = db.session.scalars(select(Session.status)).all()
    assert statuses == ["cancelled", "cancelled"]
    reasons = set(db.session.scalars(select(Session.cancel_reason)))
    assert reasons == {"Snow day: campus closed"}
    mail = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient_id == resident.id)
    ).all()
    assert len(mail) == 1  # one notice for both sessions
