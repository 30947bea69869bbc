"""Refused sign-ins are counted where auth refuses them, by reason: wrong credentials, a
form without an e-mail or password, the per-account delay (throttled), the per-address
ceiling (rate limited), and a refused single sign-on answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conferences.extensions import db, limiter
from conferences.metrics import SIGNIN_FAILURES
from tests.factories import PASSWORD

REASONS = (
    "wrong_credentials",
    "invalid_form",
    "throttled",
    "rate_limited",
    "single_sign_on_refused",
)


@pytest.fixture
def counted():
    """``counted()``: how much each reason grew since the test began (reasons that did not
    grow are left out)."""
    before = {reason: SIGNIN_FAILURES.labels(reason)._value.get() for reason in REASONS}

    def grown() -> dict[str, float]:
        now = {reason: SIGNIN_FAILURES.labels(reason)._value.get() for reason in REASONS}
        return {r: now[r] - before[r] for r in REASONS if now[r] != before[r]}

    return grown


@pytest.fixture
def limits_on(app) -> Iterator[None]:
    limiter.enabled = True
    limiter.reset()
    yield
    limiter.enabled = False


def _post(client, email: str, password: str, address: str = "192.0.2.10"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_wrong_credentials_and_empty_forms_are_counted_apart(client, make_user, counted):
    make_user(roles=("resident",), email="r@example.test")
    db.session.commit()
    assert _post(client, "r@example.test", "not-the-password").status_code == 200
    assert _post(client, "nobody@example.test", "not-the-password").status_code == 200
    assert _post(client, "r@example.test", "").status_code == 200
    assert counted() == {"wrong_credentials": 2, "invalid_form": 1}
    assert _post(client, "r@example.test", PASSWORD).status_code == 302
    assert counted() == {"wrong_credentials": 2, "invalid_form": 1}  # success counts nothing


def test_throttled_and_rate_limited_sign_ins_are_counted(
    app, client, make_user, counted, limits_on
):
    make_user(roles=("resident",), email="r@example.test")
    db.session.commit()
    free = app.config["SIGNIN_FREE_FAILURES"]
    for _ in range(free + 1):
        _post(client, "r@example.test", "wrong")
    assert _post(client, "r@example.test", PASSWORD).status_code == 429  # must wait
    assert counted() == {"wrong_credentials": free + 1, "throttled": 1}

    saved = app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]
    app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] = "2 per hour"
    try:
        other = "198.51.100.20"
        statuses = [_post(client, "x@example.test", "wrong", other).status_code for _ in range(3)]
    finally:
        app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"] = saved
    assert statuses == [200, 200, 429]
    assert counted() == {"wrong_credentials": free + 3, "throttled": 1, "rate_limited": 1}


def test_a_refused_single_sign_on_answer_is_counted(app, client, counted):
    saved = dict(app.config)
    # A provider nobody answers at: the forged answer is refused before it is asked anything.
    app.config.update(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="conferences")
    try:
        answer = client.get("/login/oidc/callback?state=forged&code=anything")
    finally:
        app.config.clear()
        app.config.update(saved)
    assert answer.status_code == 403
    assert counted() == {"single_sign_on_refused": 1}
