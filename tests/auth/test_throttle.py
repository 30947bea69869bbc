"""Throttling that cannot lock anyone out: growing delay per account and address, the same
work for unknown and known accounts, codes and the current password limited per account,
the real client address behind trusted proxies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import request
from werkzeug import security

from conferences import create_app
from conferences.auth import services, throttle
from conferences.extensions import db, limiter
from conferences.people import models as people_models
from tests.conftest import make_test_config
from tests.factories import PASSWORD

VICTIM = "resident@example.test"


@pytest.fixture
def throttled(app) -> Iterator[None]:
    limiter.enabled = True
    limiter.reset()
    yield
    limiter.enabled = False


def attempt(client, email: str, password: str, address: str):
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_guessing_never_locks_the_person_out(app, client, accounts, throttled):
    for _ in range(40):
        attempt(client, VICTIM, "guess-guess-guess", "203.0.113.9")
    # The attacker's address now waits...
    refused = attempt(client, VICTIM, PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert "Too many failed sign-ins for this account from your network" in refused.text
    # ...the person, elsewhere, signs in at once.
    assert attempt(app.test_client(), VICTIM, PASSWORD, "198.51.100.7").status_code == 302


def test_the_delay_grows_with_each_failure_and_a_sign_in_clears_it(app, accounts, throttled):
    with app.test_request_context():
        delays = [throttle.signin_failed(VICTIM, "203.0.113.9") for _ in range(9)]
        assert delays == [0, 0, 0, 0, 0, 2, 4, 8, 16]
        assert 1 <= throttle.signin_wait(VICTIM, "203.0.113.9") <= 16
        assert throttle.signin_wait(VICTIM, "203.0.113.10") == 0
        assert throttle.signin_wait("faculty@example.test", "203.0.113.9") == 0
        app.config["SIGNIN_MAX_DELAY_SECONDS"] = 10
        try:
            assert throttle.signin_failed(VICTIM, "203.0.113.9") == 10  # capped
        finally:
            app.config["SIGNIN_MAX_DELAY_SECONDS"] = 900
        throttle.signin_succeeded(VICTIM, "203.0.113.9")
        assert throttle.signin_wait(VICTIM, "203.0.113.9") == 0
        assert throttle.signin_failed(VICTIM, "203.0.113.9") == 0


def test_five_failures_cost_nothing_and_the_sixth_imposes_a_wait(client, accounts, throttled):
    statuses = [attempt(client, VICTIM, "wrong", "192.0.2.1").status_code for _ in range(6)]
    assert statuses == [200] * 6
    assert attempt(client, VICTIM, PASSWORD, "192.0.2.1").status_code == 429
    assert attempt(client, VICTIM, PASSWORD, "192.0.2.2").status_code == 302


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Every password-hash check made, by the hash checked."""
    calls: list[str] = []
    real = security.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    monkeypatch.setattr(people_models, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize(
    "email",
    ["nobody@example.test", VICTIM, "inactive@example.test", "no-password@example.test"],
)
def test_unknown_and_known_accounts_cost_the_same_to_refuse(
    app_ctx, accounts, quick_user, hash_checks, email
):
    quick_user("inactive@example.test", "resident", active=False)
    quick_user("no-password@example.test", "resident").password_hash = ""
    db.session.flush()
    assert services.authenticate(email, "not-the-password") is None
    assert len(hash_checks) == 1
    # The same kind of hash as a real account's, so the check takes as long.
    method = accounts["resident"].password_hash.split("$")[0]
    assert hash_checks[0].split("$")[0] == method


def test_an_inactive_account_with_the_right_password_is_refused(app_ctx, quick_user):
    quick_user("inactive@example.test", "resident", active=False)
    assert services.authenticate("inactive@example.test", PASSWORD) is None


@pytest.fixture
def few_guesses(app) -> Iterator[None]:
    app.config["GUESS_RATE_LIMIT_PER_ACCOUNT"] = "3 per minute"
    yield
    app.config["GUESS_RATE_LIMIT_PER_ACCOUNT"] = "30 per minute"


def test_the_current_password_field_is_throttled_per_account(
    client, auth, accounts, throttled, few_guesses
):
    auth.login(VICTIM)
    form = {"new_password": "another-long-passphrase", "confirm": "another-long-passphrase"}
    for _ in range(3):
        response = client.post("/account/password", data={**form, "current_password": "nope"})
        assert response.status_code == 200
        assert "The current password is not right." in response.text
    response = client.post("/account/password", data={**form, "current_password": PASSWORD})
    assert response.status_code == 429
    assert "Too many wrong passwords in a short time. Wait a minute" in response.text
    db.session.refresh(accounts["resident"])
    assert accounts["resident"].check_password(PASSWORD)  # unchanged


def _address_app(tmp_path, proxies: int):
    app = create_app(
        make_test_config(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path))
        | {"TRUSTED_PROXIES": proxies}
    )

    @app.get("/_address")
    def address():
        return f"{request.remote_addr} {request.scheme}"

    return app


def test_trusted_proxies_give_the_real_client_address(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    behind = _address_app(tmp_path, 1).test_client()
    answer = behind.get("/_address", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert answer.text == "198.51.100.7 https"
    direct = _address_app(tmp_path, 0).test_client()
    answer = direct.get("/_address", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert answer.text == "10.0.0.2 http"  # nobody's forwarded headers are trusted by default
