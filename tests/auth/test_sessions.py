"""Sessions end when they should: sign-out, password change, "Sign out everywhere",
deactivation, role removal, an administrator's password reset, and idleness."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import g, request_started
from sqlalchemy import select

from conferences.auth.models import SignIn
from conferences.extensions import db
from conferences.people import services as people
from conferences.people.models import Role, User
from tests.factories import PASSWORD

EMAIL = "resident@example.test"


@pytest.fixture(autouse=True)
def _each_request_loads_its_own_user(app):
    """Requests made while the test holds an application context share its ``g``, where
    Flask-Login caches the signed-in user; several browsers here need their own."""

    def forget(_sender, **_extra):
        g.pop("_login_user", None)

    request_started.connect(forget, app)
    yield
    request_started.disconnect(forget, app)


def sign_in(app, email: str = EMAIL, remember: bool = True):
    """A fresh browser signed in with the password; returns its test client."""
    browser = app.test_client()
    data = {"email": email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 302
    return browser


def copy_of(app, browser, *, only_remember: bool = False):
    """Another browser holding copies of ``browser``'s cookies (a stolen cookie)."""
    thief = app.test_client()
    for name in ("session", "remember_token"):
        if only_remember and name == "session":
            continue
        cookie = browser.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def signed_in(browser) -> bool:
    return browser.get("/").status_code == 200


def test_sign_out_ends_the_session_for_copies_of_its_cookies(app, accounts):
    browser = sign_in(app)
    session_copy = copy_of(app, browser)
    remember_copy = copy_of(app, browser, only_remember=True)
    other_device = sign_in(app)
    assert signed_in(session_copy)
    assert signed_in(remember_copy)
    browser.post("/logout")
    assert not signed_in(browser)
    assert not signed_in(session_copy)
    assert not signed_in(remember_copy)
    assert signed_in(other_device)  # signing out here does not sign out the phone


def test_the_remember_cookie_changes_at_every_sign_in(app, accounts):
    first = sign_in(app).get_cookie("remember_token").value
    second = sign_in(app).get_cookie("remember_token").value
    assert first != second


def test_keep_me_signed_in_is_a_choice(app, accounts):
    browser = sign_in(app, remember=False)
    assert browser.get_cookie("remember_token") is None
    assert 'name="remember"' in app.test_client().get("/login").text


def _ends_everything(app, act):
    """Two devices (one only through its remember-me cookie) stop working after ``act``."""
    laptop = sign_in(app)
    phone = copy_of(app, sign_in(app), only_remember=True)
    assert signed_in(laptop)
    assert signed_in(phone)
    act(laptop)
    assert not signed_in(phone)
    return laptop


def test_password_change_ends_every_other_session(app, accounts):
    def change(laptop):
        response = laptop.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": "a-brand-new-passphrase",
                "confirm": "a-brand-new-passphrase",
            },
        )
        assert response.status_code == 302

    laptop = _ends_everything(app, change)
    assert signed_in(laptop)  # where the password was changed, signed in again afresh


def test_sign_out_everywhere_ends_every_session(app, accounts):
    def everywhere(laptop):
        assert "Sign out everywhere" in laptop.get("/account/password").text
        assert laptop.post("/account/sign-out-everywhere").status_code == 302

    laptop = _ends_everything(app, everywhere)
    assert not signed_in(laptop)
    assert db.session.scalars(select(SignIn)).all() == []


@pytest.mark.parametrize("change", ["deactivate", "remove_role", "reset_password"])
def test_deactivation_role_removal_and_password_reset_end_every_session(app, accounts, change):
    def act(_laptop):
        admin = db.session.get(User, accounts["admin"].id)
        user = db.session.get(User, accounts["resident"].id)
        if change == "deactivate":
            people.set_active(admin, user, False)
        elif change == "remove_role":
            data = people.UserData(
                email=user.email,
                name=user.name,
                roles={Role.FACULTY},
                start_year=None,
                track_id=None,
                firm_id=None,
            )
            people.update_user(admin, user, data)
        else:
            people.reset_password(admin, user, "an-admin-chosen-passphrase")
        db.session.commit()

    laptop = _ends_everything(app, act)
    assert not signed_in(laptop)


def test_adding_a_role_keeps_the_sessions(app, accounts):
    laptop = sign_in(app)
    admin = db.session.get(User, accounts["admin"].id)
    user = db.session.get(User, accounts["resident"].id)
    data = people.UserData(
        email=user.email,
        name=user.name,
        roles={Role.RESIDENT, Role.FACULTY},
        start_year=user.start_year,
        track_id=None,
        firm_id=None,
    )
    people.update_user(admin, user, data)
    db.session.commit()
    assert signed_in(laptop)


def test_an_idle_session_asks_to_sign_in_again(app, accounts, clock):
    browser = sign_in(app, remember=False)
    clock.advance(hours=11, minutes=59)
    assert signed_in(browser)  # use keeps it alive...
    clock.advance(hours=11, minutes=59)
    assert signed_in(browser)
    clock.advance(hours=12, minutes=1)  # ...twelve idle hours end it
    response = browser.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert db.session.scalars(select(SignIn)).all() == []


def test_the_idle_limit_is_configurable(app, accounts, clock):
    app.config["SESSION_IDLE_HOURS"] = 1
    try:
        browser = sign_in(app, remember=False)
        clock.advance(minutes=61)
        assert not signed_in(browser)
    finally:
        app.config["SESSION_IDLE_HOURS"] = 12.0


def test_keep_me_signed_in_lasts_the_remember_duration(app, accounts, clock):
    browser = sign_in(app, remember=True)
    clock.advance(days=20)
    assert signed_in(browser)
    clock.advance(days=11)
    assert not signed_in(browser)


def test_a_bare_account_id_in_the_session_is_not_a_sign_in(app, client, accounts):
    """Sessions from before sign-ins were recorded (or forged with the key) carry no token."""
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = str(accounts["resident"].id)
    assert not signed_in(client)


def test_last_seen_is_written_only_every_few_minutes(app, accounts, clock):
    browser = sign_in(app, remember=False)
    first = db.session.scalar(select(SignIn.seen_at))
    clock.advance(minutes=2)
    assert signed_in(browser)
    assert db.session.scalar(select(SignIn.seen_at)) == first
    clock.advance(minutes=4)
    assert signed_in(browser)
    assert db.session.scalar(select(SignIn.seen_at)) - first == timedelta(minutes=6)
