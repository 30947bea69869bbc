"""Many people claim one slot at the same moment, over real HTTP: exactly one wins."""

from __future__ import annotations

import http.client
import threading
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from sqlalchemy import func, select

from conferences import timeutil
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.teaching.models import TeachingSlot
from tests.factories import PASSWORD
from tests.support.liveserver import LiveServer

CLAIMANTS = 8


class Browser:
    """One signed-in person talking HTTP to the live server (its own connection and cookie)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Accept": "text/html"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie(header)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()

    def login(self, email: str) -> None:
        status, location, _ = self.request("POST", "/login", {"email": email, "password": PASSWORD})
        assert status == 302, "sign-in failed"
        assert urlsplit(location).path == "/"


def test_concurrent_claims_have_exactly_one_winner(app, make_user, make_session, backend):
    people = [make_user(roles=("faculty",)) for _ in range(CLAIMANTS)]
    session = make_session(on=timeutil.local_today() + timedelta(days=30))
    slot = TeachingSlot(session_id=session.id, role="lecturer", eligibility="faculty")
    db.session.add(slot)
    db.session.commit()
    slot_id, emails = slot.id, [p.email for p in people]

    results: list[tuple[str, int, str, str]] = []
    errors: list[BaseException] = []
    with LiveServer(app) as server:
        browsers = [Browser(server.url) for _ in emails]
        for browser, email in zip(browsers, emails, strict=True):
            browser.login(email)
        barrier = threading.Barrier(CLAIMANTS)

        def claim(browser: Browser, email: str) -> None:
            try:
                barrier.wait(timeout=30)
                status, location, text = browser.request(
                    "POST", f"/teaching/slots/{slot_id}/claim", {}
                )
                results.append((email, status, location, text))
            except BaseException as error:  # reported below
                errors.append(error)

        threads = [
            threading.Thread(target=claim, args=(b, e))
            for b, e in zip(browsers, emails, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert errors == []
    assert len(results) == CLAIMANTS
    statuses = sorted(status for _e, status, _l, _t in results)
    assert 500 not in statuses
    assert statuses == [303] + [409] * (CLAIMANTS - 1), statuses
    winner = next(email for email, status, _l, _t in results if status == 303)
    for _email, status, _location, text in results:
        if status == 409:
            assert "Someone else took this slot" in text or "already taken" in text

    db.session.expire_all()
    stored = db.session.get(TeachingSlot, slot_id)
    assert stored.holder.email == winner
    # Only the winner was told they teach.
    confirmations = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(OutboxMessage.subject.like("You are teaching%"))
    )
    assert confirmations == 1
