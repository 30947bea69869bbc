"""A faculty member finds an open slot, signs up, and releases it, in a real browser."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from conferences import timeutil
from conferences.extensions import db
from conferences.teaching.models import TeachingSlot
from tests.browser.conftest import login


def test_faculty_claims_and_releases_a_slot(phone_page, make_user, make_session, app_ctx):
    page = phone_page
    make_user(roles=("faculty",), email="fay@example.test", name="Fay Faculty")
    session = make_session(
        on=timeutil.local_today() + timedelta(days=21), title="Noon Conference: Sepsis"
    )
    slot = TeachingSlot(session_id=session.id, role="lecturer", eligibility="faculty")
    db.session.add(slot)
    db.session.commit()

    login(page, "fay@example.test")
    page.get_by_role("link", name="See open slots").click()
    expect(page.get_by_role("heading", name="Open teaching slots")).to_be_visible()
    item = page.locator(f"#open-slot-{slot.id}")
    expect(item).to_contain_text("Noon Conference: Sepsis")
    item.get_by_role("button", name="Sign up").click()

    expect(page.get_by_role("alert").first).to_contain_text("You are lecturer")
    expect(page.locator(f"#open-slot-{slot.id}")).to_have_count(0)
    page.get_by_role("main").get_by_role("link", name="My teaching").click()
    expect(page.get_by_role("heading", name="My teaching")).to_be_visible()
    mine = page.locator(f"#my-slot-{slot.id}")
    expect(mine).to_contain_text("Noon Conference: Sepsis")
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder.email == "fay@example.test"

    # Releasing asks first: saying no keeps the slot.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    mine.get_by_role("button", name="Release").click()
    expect(page.locator(f"#my-slot-{slot.id}")).to_be_visible()
    assert asked
    assert asked[0].startswith("Release your lecturer slot on Noon Conference: Sepsis?")
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id is not None

    page.once("dialog", lambda dialog: dialog.accept())
    mine.get_by_role("button", name="Release").click()
    expect(page.get_by_role("alert").first).to_contain_text("You released the slot")
    expect(page.locator(f"#my-slot-{slot.id}")).to_have_count(0)
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id is None
