"""Single sign-on against a real OpenID Connect provider (oidc-provider on Node.js).

The app is the test client; the provider is a real server on localhost, played by an HTTP
client (requests) as the person's browser; the app itself talks to the provider over HTTP
(discovery, token endpoint, keys). How each bad case is produced:
- wrong state: the test changes ``state`` in the URL the provider redirects back to;
- replayed code: a code already exchanged is presented again with a fresh, valid state; the
  provider refuses it (invalid_grant);
- wrong nonce / expired ID token: accounts whose ID token the provider re-signs with its
  own key after changing ``nonce`` / ``exp`` (tests/oidc/provider.mjs);
- unverified / unknown / deactivated: the provider's accounts and the app's roster;
- unreachable: OIDC_ISSUER points at a closed localhost port.
"""

from __future__ import annotations

import logging
import socket
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import select

from conferences.auth.models import SignIn
from conferences.extensions import db
from conferences.people.models import User
from tests.factories import PASSWORD
from tests.support.oidcprovider import OidcProvider

BASE_URL = "http://conferences.test"
CALLBACK = BASE_URL + "/login/oidc/callback"


@pytest.fixture(scope="session")
def provider():
    with OidcProvider([CALLBACK]) as running:
        yield running


@pytest.fixture
def sso(app, provider):
    """Single sign-on configured against the provider, password sign-in off."""
    saved = dict(app.config)
    app.config.update(
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=provider.client_id,
        OIDC_CLIENT_SECRET=provider.client_secret,
        OIDC_LABEL="Sign in with Test Hospital",
        PASSWORD_LOGIN=False,
    )
    yield provider
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def roster(quick_user):
    users = {
        "alice": quick_user("alice.resident@hospital.test", "resident"),
        "admin": quick_user("admin@hospital.test", "admin"),
        "unverified": quick_user("unverified@hospital.test", "resident"),
        "gone": quick_user("gone@hospital.test", "resident", active=False),
        "wrong-nonce": quick_user("nonce@hospital.test", "resident"),
        "expired": quick_user("expired@hospital.test", "resident"),
    }
    db.session.commit()
    return users


def start(client, remember: bool = False) -> str:
    response = client.get("/login/oidc", query_string={"remember": "y"} if remember else {})
    assert response.status_code == 302
    return response.headers["Location"]


def sign_in(client, provider, account: str):
    """The whole flow; the app's answer to the provider's redirect back."""
    back = provider.sign_in(start(client), account, CALLBACK)
    return client.get(back.removeprefix(BASE_URL))


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def test_sign_in_links_the_account_by_verified_email(client, sso, roster):
    authorize = start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert authorize.startswith(sso.issuer)
    assert query["code_challenge_method"] == ["S256"]
    for name in ("code_challenge", "state", "nonce"):
        assert query[name][0], name
    assert query["redirect_uri"] == [CALLBACK]

    back = sso.sign_in(authorize, "alice", CALLBACK)
    response = client.get(back.removeprefix(BASE_URL))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert signed_in(client)
    alice = db.session.get(User, roster["alice"].id)
    db.session.refresh(alice)
    assert alice.oidc_identity == f"{sso.issuer} alice"
    assert db.session.scalar(select(SignIn.method).where(SignIn.user_id == alice.id)) == "oidc"


@pytest.mark.parametrize("remember", [True, False])
def test_keep_me_signed_in_is_a_choice_with_single_sign_on_too(client, sso, roster, remember):
    back = sso.sign_in(start(client, remember=remember), "alice", CALLBACK)
    assert client.get(back.removeprefix(BASE_URL)).status_code == 302
    assert (client.get_cookie("remember_token") is not None) is remember
    assert db.session.scalar(select(SignIn.remember)) is remember


def test_a_linked_account_is_found_by_subject_after_an_email_change(client, sso, roster):
    assert sign_in(client, sso, "alice").status_code == 302
    client.post("/logout")
    roster["alice"].email = "alice.married-name@hospital.test"
    db.session.commit()
    assert sign_in(client, sso, "alice").status_code == 302
    assert signed_in(client)


def _refused(response, text: str) -> None:
    assert response.status_code == 403
    assert text in response.text


def test_wrong_state_is_refused(client, sso, roster, caplog):
    back = sso.sign_in(start(client), "alice", CALLBACK)
    parts = urlsplit(back)
    query = parse_qs(parts.query)
    query["state"] = ["forged-state"]
    forged = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    _refused(client.get(forged.removeprefix(BASE_URL)), "could not be completed")
    assert not signed_in(client)
    assert "mismatching_state" in caplog.text


def test_a_replayed_code_is_refused(client, sso, roster, caplog):
    back = sso.sign_in(start(client), "alice", CALLBACK)
    assert client.get(back.removeprefix(BASE_URL)).status_code == 302
    client.post("/logout")
    used_code = parse_qs(urlsplit(back).query)["code"][0]
    # A fresh, valid state for this browser, with the code already exchanged.
    fresh_state = parse_qs(urlsplit(start(client)).query)["state"][0]
    replay = "/login/oidc/callback?" + urlencode(
        {"code": used_code, "state": fresh_state, "iss": sso.issuer}
    )
    _refused(client.get(replay), "could not be completed")
    assert not signed_in(client)
    assert "invalid_grant" in caplog.text  # the provider refused the used code


@pytest.mark.parametrize(
    ("account", "reason"),
    [("wrong-nonce", "Invalid claim: 'nonce'"), ("expired", "The token is expired")],
)
def test_an_id_token_with_a_wrong_nonce_or_expired_is_refused(
    client, sso, roster, caplog, account, reason
):
    _refused(sign_in(client, sso, account), "could not be completed")
    assert reason in caplog.text
    assert not signed_in(client)
    user = db.session.get(User, roster[account].id)
    db.session.refresh(user)
    assert user.oidc_identity is None


@pytest.mark.parametrize(
    ("account", "message"),
    [
        ("unverified", "has not verified unverified@hospital.test"),
        ("stranger", "No account for nobody@hospital.test. Ask your program coordinator."),
        ("gone", "The account for gone@hospital.test is deactivated"),
    ],
)
def test_identities_that_may_not_sign_in_get_a_clear_page(
    client, sso, roster, caplog, account, message
):
    with caplog.at_level(logging.WARNING, logger="conferences.auth"):
        _refused(sign_in(client, sso, account), message)
    assert not signed_in(client)
    assert any("single sign-on refused" in r.getMessage() for r in caplog.records)
    assert db.session.scalar(select(User).where(User.oidc_identity.is_not(None))) is None


def test_password_sign_in_is_for_administrators_only_when_turned_off(client, sso, roster):
    response = client.get("/login")
    # The button is a form (with "Keep me signed in") that leads to the provider.
    assert f"form-action 'self' {sso.issuer};" in response.headers["Content-Security-Policy"]
    page = response.text
    assert "Sign in with Test Hospital" in page
    assert 'name="password"' not in page
    assert 'name="password"' in client.get("/login?password=admin").text
    data = {"email": "alice.resident@hospital.test", "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 200
    assert not signed_in(client)
    data["email"] = "admin@hospital.test"
    assert client.post("/login", data=data).status_code == 302
    assert signed_in(client)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unreachable_provider_gets_a_clear_message_and_admins_keep_passwords(
    app, client, sso, roster
):
    app.config["OIDC_ISSUER"] = f"http://127.0.0.1:{_closed_port()}"
    response = client.get("/login/oidc")
    assert response.status_code == 503
    assert "The sign-in service cannot be reached right now" in response.text
    assert "Administrators can sign in with a password." in response.text
    response = client.post("/login", data={"email": "admin@hospital.test", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)


def test_single_sign_on_is_absent_unless_configured(client, roster):
    assert client.get("/login/oidc").status_code == 404
    assert "single sign-on" not in client.get("/login").text.lower()
