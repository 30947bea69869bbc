"""A check-in burst against a real server: many residents, each with their own cookies.

Used by the concurrency test and by ``bench/attendance.py``. Plain ``http.client`` so
every simulated phone has its own connection and cookie jar.
"""

from __future__ import annotations

import http.client
import re
import ssl
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from werkzeug.security import generate_password_hash

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.program.services import get_settings
from conferences.schedule.models import Session

BURST_PASSWORD = "burst-password-1234"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def create_burst_fixture(count: int = 300) -> tuple[str, list[str]]:
    """``count`` residents sharing one cheap password hash, and a session open right now.

    Call inside an app context; commits. Returns the session's public id and the e-mails.
    """
    get_settings()
    # Hashing 300 passwords the slow way would dominate the run: one hash, shared.
    password_hash = generate_password_hash(BURST_PASSWORD, method="pbkdf2:sha256:1000")
    year = timeutil.academic_year_of(timeutil.local_today())
    users = [
        User(
            email=f"burst{n:04d}@example.test",
            name=f"Burst Resident {n:04d}",
            password_hash=password_hash,
            start_year=year,
        )
        for n in range(count)
    ]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(UserRole(user_id=u.id, role=Role.RESIDENT.value) for u in users)
    now = timeutil.now_utc()
    session = Session(
        title="Burst Noon Conference",
        kind="noon_conference",
        # Short, so that other sessions opened later for the same residents (the deployment
        # tests) do not overlap it: a check-in overlapping one already made is refused.
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(minutes=2),
        required=True,
    )
    db.session.add(session)
    db.session.commit()
    return session.public_id, [u.email for u in users]


@dataclass
class Browser:
    """One simulated phone: a cookie jar and a connection to the server."""

    base_url: str
    cookies: dict[str, str] = field(default_factory=dict)
    # For an https base_url: whom to trust (the deployment test's throwaway certificate).
    ssl_context: ssl.SSLContext | None = None

    def connect(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.base_url)
        if parts.scheme == "https":
            return http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=60, context=self.ssl_context
            )
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)

    def request(self, method: str, path: str, form: dict | None = None):
        connection = self.connect()
        headers = {}
        body = None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if form is not None:
            body = urlencode(form)
            # Browsers send it; over https Flask-WTF refuses a form posted without it.
            headers["Referer"] = self.base_url + path
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    self.cookies[name] = morsel.value
            return response.status, response.headers, text
        finally:
            connection.close()

    def token(self, path: str) -> str:
        status, _headers, text = self.request("GET", path)
        match = _TOKEN.search(text)
        if status != 200 or match is None:
            raise RuntimeError(f"no form at {path} (HTTP {status})")
        return match.group(1)

    def login(self, email: str, password: str, csrf: bool) -> None:
        form = {"email": email, "password": password}
        if csrf:
            form["csrf_token"] = self.token("/login")
        status, headers, _text = self.request("POST", "/login", form)
        if status != 302 or "/login" in headers.get("Location", ""):
            raise RuntimeError(f"login failed for {email} (HTTP {status})")


@dataclass
class BurstResult:
    attempts: int
    ok: int
    errors: list[str]
    seconds: float


def login_all(
    base_url: str,
    emails: list[str],
    *,
    csrf: bool = False,
    workers: int = 16,
    ssl_context: ssl.SSLContext | None = None,
) -> list[Browser]:
    def one(email: str) -> Browser:
        browser = Browser(base_url, ssl_context=ssl_context)
        browser.login(email, BURST_PASSWORD, csrf)
        return browser

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, emails))


def burst(
    browsers: list[Browser],
    public_id: str,
    code: Callable[[], str],
    *,
    csrf: bool = False,
    workers: int = 16,
) -> BurstResult:
    """Everyone taps "Check in" at once: ``workers`` requests in flight at a time.

    With ``csrf`` each phone first opens the confirm page (as after scanning the QR code),
    then posts the form with its token; only the posts are timed.
    """
    path = f"/sessions/{public_id}/checkin"
    tokens = {}
    if csrf:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for index, token in enumerate(
                pool.map(lambda b: b.token(f"{path}?c={code()}"), browsers)
            ):
                tokens[index] = token

    def one(index: int) -> str | None:
        form = {"code": code()}
        if csrf:
            form["csrf_token"] = tokens[index]
        try:
            status, headers, text = browsers[index].request("POST", path, form)
        except OSError as error:
            return f"connection: {error}"
        if status != 303 or "/checkin/done" not in headers.get("Location", ""):
            snippet = re.sub(r"\s+", " ", text)[:200]
            return f"HTTP {status}: {snippet}"
        return None

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        outcomes = list(pool.map(one, range(len(browsers))))
    seconds = time.perf_counter() - started
    errors = [o for o in outcomes if o is not None]
    return BurstResult(len(browsers), len(browsers) - len(errors), errors, seconds)
