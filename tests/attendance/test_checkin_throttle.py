"""Typed or scanned check-in codes are throttled per account."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conferences.extensions import db, limiter
from tests.attendance.conftest import code_at


@pytest.fixture
def throttled(app) -> Iterator[None]:
    limiter.enabled = True
    limiter.reset()
    app.config["GUESS_RATE_LIMIT_PER_ACCOUNT"] = "3 per minute"
    yield
    app.config["GUESS_RATE_LIMIT_PER_ACCOUNT"] = "30 per minute"
    limiter.enabled = False


def test_typed_check_in_codes_are_throttled_per_account(
    client, auth, clock, live_session, resident, throttled
):
    session = live_session()
    db.session.commit()
    auth.login(resident.email)
    for _ in range(3):
        assert client.post("/checkin", data={"code": "ZZZ-ZZZ"}).status_code == 400
    code = code_at(session, clock())
    response = client.post("/checkin", data={"code": code})
    assert response.status_code == 429
    assert "Too many wrong codes in a short time" in response.text
    response = client.post(f"/sessions/{session.public_id}/checkin", data={"code": code})
    assert response.status_code == 429
