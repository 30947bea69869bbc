"""Security properties every response and the sign-in flow must have."""

from __future__ import annotations

import pytest
from flask import session

from conferences import create_app
from conferences.extensions import db, limiter
from tests.conftest import make_test_config


def test_security_headers_on_pages(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer"}


def test_pages_carry_no_inline_scripts(client):
    body = client.get("/login").get_data(as_text=True)
    for chunk in body.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), chunk[:80]


def test_session_cookie_is_httponly_and_samesite(client, make_user, app_ctx):
    make_user(email="cookie@example.test", roles=("resident",))
    db.session.commit()
    response = client.post(
        "/login", data={"email": "cookie@example.test", "password": "correct-horse-battery"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_cookies_are_secure_behind_https(tmp_path):
    app = create_app(
        make_test_config(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path))
        | {"BASE_URL": "https://conferences.example.org"}
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_login_starts_a_fresh_session(client, make_user, app_ctx):
    """Anything placed in the session before signing in is gone afterwards (no fixation)."""
    make_user(email="fresh@example.test", roles=("resident",))
    db.session.commit()
    with client.session_transaction() as before:
        before["planted"] = "attacker-value"
    with client:
        client.post(
            "/login", data={"email": "fresh@example.test", "password": "correct-horse-battery"}
        )
        assert "planted" not in session
        assert session.get("_user_id")


def test_open_redirect_after_login_is_refused(client, make_user, app_ctx):
    make_user(email="next@example.test", roles=("resident",))
    db.session.commit()
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "next@example.test", "password": "correct-horse-battery"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.fixture
def rate_limited(app):
    limiter.enabled = True
    limiter.reset()
    yield
    limiter.enabled = False


def _attempt(client, email, ip):
    return client.post(
        "/login",
        data={"email": email, "password": "wrong-password"},
        environ_base={"REMOTE_ADDR": ip},
    )


def test_failed_sign_ins_from_one_address_have_a_generous_ceiling(app, client, rate_limited):
    app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] = "30 per hour"
    try:
        statuses = [
            _attempt(client, f"u{i}@example.test", "10.0.0.1").status_code for i in range(31)
        ]
        assert statuses[:30] == [200] * 30
        assert statuses[30] == 429
        assert "Too many attempts" in _attempt(client, "x@example.test", "10.0.0.1").text
        # Another address is not affected.
        assert _attempt(client, "y@example.test", "10.0.0.2").status_code == 200
    finally:
        app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] = "600 per hour"


def test_csrf_missing_on_login_is_rejected(client, csrf_enabled):
    response = client.post("/login", data={"email": "a@example.test", "password": "x"})
    assert response.status_code == 400


def test_sign_out_ends_a_remembered_sign_in(client, make_user, app_ctx):
    """Phones stay signed in through the remember-me cookie; signing out must delete it."""
    make_user(email="shared-phone@example.test", roles=("resident",))
    db.session.commit()
    client.post(
        "/login",
        data={
            "email": "shared-phone@example.test",
            "password": "correct-horse-battery",
            "remember": "y",
        },
    )
    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    assert client.get_cookie("remember_token") is None
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "since", ["Sun, 06 Nov 1994 08:49:37 +99999999999999999999", "yesterday", "\x7f"]
)
def test_an_unreadable_if_modified_since_is_ignored_not_a_server_error(client, since):
    """RFC 9110 13.1.3: a date that is not one is ignored; the file is sent in full."""
    response = client.get("/static/css/app.css", headers={"If-Modified-Since": since})
    assert response.status_code == 200
    assert response.data
    last_modified = response.headers["Last-Modified"]
    assert (
        client.get("/static/css/app.css", headers={"If-Modified-Since": last_modified}).status_code
        == 304
    )
