"""Signing in and out, changing one's password."""

from __future__ import annotations

import re

import pytest

from conferences.extensions import db
from conferences.people.models import User
from tests.factories import PASSWORD


def test_login_is_case_insensitive_on_email(client, auth, accounts):
    response = auth.login("  Faculty@EXAMPLE.test ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("email", "password"),
    [("faculty@example.test", "wrong-password"), ("nobody@example.test", PASSWORD)],
)
def test_wrong_credentials_get_one_message(client, auth, accounts, email, password):
    response = auth.login(email, password)
    assert response.status_code == 200
    assert "Wrong e-mail or password, or the account is inactive." in response.text
    assert client.get("/").status_code == 302


def test_account_without_password_cannot_sign_in(client, auth, quick_user):
    user = quick_user("new@example.test", "faculty")
    user.password_hash = ""
    db.session.commit()
    assert auth.login("new@example.test", "").status_code == 200
    assert auth.login("new@example.test", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/people", "/admin/people"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_follows_only_local_next(client, accounts, next_url, expected):
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": "admin@example.test", "password": PASSWORD},
    )
    assert response.headers["Location"] == expected


def test_login_form_needs_csrf_token(client, accounts, csrf_enabled):
    response = client.post("/login", data={"email": "admin@example.test", "password": PASSWORD})
    assert response.status_code in (200, 400)
    assert client.get("/").status_code == 302  # not signed in
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": "admin@example.test", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_logout_needs_post(client, auth, accounts):
    auth.login("admin@example.test")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_change_own_password(client, auth, accounts):
    auth.login("faculty@example.test")
    response = client.post(
        "/account/password",
        data={"current_password": "nope", "new_password": "x" * 12, "confirm": "x" * 12},
    )
    assert "The current password is not right." in response.text
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "password123",
            "confirm": "password123",
        },
    )
    assert "too easy to guess" in response.text
    new = "maple-river-7731"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": new, "confirm": new},
    )
    assert response.status_code == 302
    auth.logout()
    assert auth.login("faculty@example.test").status_code == 200
    assert auth.login("faculty@example.test", new).status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "faculty@example.test"))
    assert new not in user.password_hash
