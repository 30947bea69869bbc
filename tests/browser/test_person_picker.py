"""Setting a presenter with the keyboard: type a few letters, arrow to the name, Enter, save."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import Role, User
from conferences.teaching.models import TeachingSlot
from tests.browser.conftest import login


def test_coordinator_picks_a_presenter_with_the_keyboard(page, make_user, make_session, app_ctx):
    make_user(roles=("coordinator",), email="cora@example.test", name="Cora Coordinator")
    for n in range(44):
        person = User(name=f"Faculty {n:02d} Member", email=f"f{n}@example.test")
        person.set_roles({Role.FACULTY})
        db.session.add(person)
    make_user(name="Maria Lopez", email="mlopez@example.test")
    omar = make_user(name="Omar Haddad", email="ohaddad@example.test")
    session = make_session(
        on=timeutil.local_today() + timedelta(days=14), title="Noon Conference: Sepsis"
    )
    slot = TeachingSlot(session_id=session.id, role="lecturer", eligibility="faculty")
    db.session.add(slot)
    db.session.commit()

    login(page, "cora@example.test")
    page.goto(f"/teaching/slots/{slot.id}/assign")
    box = page.get_by_role("combobox", name="Person")
    expect(box).to_be_visible()
    expect(page.locator("select#user_id")).to_be_hidden()

    box.focus()
    page.keyboard.type("had")
    listbox = page.get_by_role("listbox")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox).to_contain_text("Omar Haddad")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "user_id-options-0")
    page.keyboard.press("Enter")  # chooses; the form is not sent yet
    expect(box).to_have_value("Omar Haddad (ohaddad@example.test)")
    expect(listbox).to_be_hidden()

    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Assign")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").first).to_contain_text("Omar Haddad is now lecturer")
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id == omar.id
