"""The deployment the README describes, tested as deployed (``make test-deploy``).

PostgreSQL, Redis, two gunicorn instances (deploy/gunicorn.conf.py, two workers each) and
nginx in front (deploy/nginx-site.conf) with TLS on a throwaway certificate, all started on
localhost by ``tests.support.deployment``. Requests go through nginx unless a test must say
which instance does what; then it talks to that instance's own port.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import signal
import threading
import time
from collections.abc import Iterator
from datetime import time as wall_time
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from conferences import create_app, timeutil
from conferences.attendance import checkin as codes
from conferences.attendance.models import Attendance, AttendanceChange
from conferences.extensions import db
from conferences.feeds.subscriptions import feed_token
from conferences.people.models import Role, User, UserRole
from conferences.program.services import bump_counter
from conferences.schedule.models import Session
from tests.attendance.burst import (
    Browser,
    BurstResult,
    burst,
    create_burst_fixture,
    login_all,
)
from tests.support.deployment import SECRET_KEY, Deployment

PASSWORD = "deploy-password-1234"
# Every worker re-reads the change counters at most once a second (FEED_COUNTER_TTL_SECONDS);
# the slack covers the requests themselves on a busy machine.
WITHIN = 1.0
SLACK = 0.5
RESIDENTS = 300
CHECKIN_PATH = r"/sessions/[^/]+/checkin"


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    with Deployment() as running:
        yield running


@pytest.fixture(scope="module")
def database(deployment):
    """The app in this process, on the deployment's database (for setting up and counting)."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": deployment.database_url,
            "SECRET_KEY": SECRET_KEY,
            "BASE_URL": deployment.base_url,
            "TESTING": True,
        }
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _person(email: str, role: Role) -> User:
    user = User(
        email=email,
        name=email.split("@")[0].title(),
        password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
        start_year=timeutil.academic_year_of(timeutil.local_today()),
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(UserRole(user_id=user.id, role=role.value))
    db.session.commit()
    return user


def _signed_in(deployment: Deployment, base_url: str, email: str) -> Browser:
    browser = Browser(base_url, ssl_context=deployment.ssl_context())
    browser.login(email, PASSWORD, csrf=True)
    return browser


def _get(url_base: str, path: str, deployment: Deployment) -> http.client.HTTPResponse:
    browser = Browser(url_base, ssl_context=deployment.ssl_context())
    connection = browser.connect()
    connection.request("GET", path)
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def _everywhere(deployment: Deployment, path: str, after: float) -> list:
    """From ``after`` + 1 s on, every worker has re-read the counters: GET ``path`` from
    each instance (enough times to reach both workers) and through nginx."""
    time.sleep(max(0.0, after + WITHIN + 0.05 - time.monotonic()))
    bases = [*(i.url for i in deployment.instances), deployment.base_url]
    return [_get(base, path, deployment) for base in bases for _ in range(8)]


def _until(predicate, limit: float) -> float:
    """Seconds until ``predicate()`` held, polling; fails after ``limit`` seconds."""
    started = time.monotonic()
    while not predicate():
        elapsed = time.monotonic() - started
        assert elapsed < limit, f"not within {limit} s"
        time.sleep(0.02)
    return time.monotonic() - started


def test_each_instance_and_nginx_answer_healthz(deployment):
    for base in (*(i.url for i in deployment.instances), deployment.base_url):
        answer = _get(base, "/healthz", deployment)
        assert answer.status == 200
        assert json.loads(answer.body) == {"status": "ok", "database": "ok"}


def test_http_is_redirected_and_https_sends_secure_cookies_hsts_and_a_request_id(deployment):
    plain = _get(deployment.http_url, "/login?next=/", deployment)
    assert plain.status == 301
    assert plain.getheader("Location") == f"{deployment.base_url}/login?next=/"

    secure = _get(deployment.base_url, "/login", deployment)
    assert secure.status == 200
    assert "max-age=31536000" in secure.getheader("Strict-Transport-Security")
    cookies = secure.headers.get_all("Set-Cookie")
    assert cookies
    assert all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)
    assert re.fullmatch(r"[0-9a-f]{32}", secure.getheader("X-Request-ID"))


def test_sign_in_failures_on_both_instances_count_against_one_limit(deployment):
    """Five free failures per account and client address, then a growing wait (429), counted
    in Redis (LOGIN_RATE_LIMIT_PER_ADDRESS is lifted for these tests)."""
    before = [deployment.requests_seen(i, "POST", "/login") for i in deployment.instances]
    browser = Browser(deployment.base_url, ssl_context=deployment.ssl_context())
    token = browser.token("/login")
    form = {"email": "guessed@example.test", "password": "not-it", "csrf_token": token}
    statuses = [browser.request("POST", "/login", form)[0] for _ in range(8)]
    after = [deployment.requests_seen(i, "POST", "/login") for i in deployment.instances]

    # Five failures cost nothing, the sixth imposes a wait: the next tries are refused,
    # whichever instance answers.
    assert statuses[:6] == [200] * 6  # the form again, with "Wrong e-mail or password"
    assert statuses[6:] == [429] * 2
    assert all(b - a >= 4 for a, b in zip(before, after, strict=True))  # both instances


def test_a_feed_address_reset_on_one_instance_is_refused_by_the_other(deployment, database):
    first, second = deployment.instances
    _person("reset@example.test", Role.RESIDENT)
    browser = _signed_in(deployment, first.url, "reset@example.test")
    _status, _headers, page = browser.request("GET", "/my-calendar")
    create = re.search(r'action="/my-calendar/address".*?name="csrf_token"[^>]*value="([^"]+)"',
                       page, re.S).group(1)  # fmt: skip
    form = {"csrf_token": create}
    status, _headers, _text = browser.request("POST", "/my-calendar/address", form)
    assert status == 303
    _status, _headers, page = browser.request("GET", "/my-calendar")
    old_path = re.search(r"/feeds/[A-Za-z0-9_\-]+\.ics", page).group(0)
    token = re.search(r'action="/my-calendar/reset".*?name="csrf_token"[^>]*value="([^"]+)"',
                      page, re.S).group(1)  # fmt: skip
    for _ in range(2):  # the second instance now answers it from memory
        assert _get(second.url, old_path, deployment).status == 200

    status, _headers, _text = browser.request("POST", "/my-calendar/reset", {"csrf_token": token})
    reset_at = time.monotonic()
    assert status == 303
    took = _until(lambda: _get(second.url, old_path, deployment).status == 404, WITHIN + SLACK)
    print(f"old address refused by the other instance after {took:.3f} s")
    assert {a.status for a in _everywhere(deployment, old_path, reset_at)} == {404}
    _status, _headers, page = browser.request("GET", "/my-calendar")
    new_path = re.search(r"/feeds/[A-Za-z0-9_\-]+\.ics", page).group(0)
    fresh = _get(deployment.base_url, new_path, deployment)
    assert fresh.status == 200
    assert "Strict-Transport-Security" in fresh.headers


def test_a_schedule_change_on_one_instance_reaches_the_other_instance_feeds(deployment, database):
    first, second = deployment.instances
    resident = _person("feedreader@example.test", Role.RESIDENT)
    _person("coordinator@example.test", Role.COORDINATOR)
    starts_at = timeutil.localize(timeutil.local_today() + timedelta(days=2), wall_time(12))
    session = Session(
        title="Deployment Noon Conference",
        kind="noon_conference",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        required=True,
    )
    db.session.add(session)
    db.session.flush()
    bump_counter()
    path = f"/feeds/{feed_token(resident)}.ics"
    db.session.commit()
    answers = _everywhere(deployment, path, time.monotonic())  # every worker knows it now
    assert {a.status for a in answers} == {200}
    assert all(b"Deployment Noon Conference" in a.body for a in answers)
    assert not any(b"STATUS:CANCELLED" in a.body for a in answers)

    coordinator = _signed_in(deployment, first.url, "coordinator@example.test")
    token = coordinator.token(f"/sessions/{session.public_id}")
    status, _headers, _text = coordinator.request(
        "POST",
        f"/sessions/{session.public_id}/cancel",
        {"reason": "Room flooded", "csrf_token": token},
    )
    cancelled_at = time.monotonic()
    assert status == 303
    took = _until(
        lambda: b"STATUS:CANCELLED" in _get(second.url, path, deployment).body, WITHIN + SLACK
    )
    print(f"cancellation served by the other instance after {took:.3f} s")
    assert all(b"STATUS:CANCELLED" in a.body for a in _everywhere(deployment, path, cancelled_at))


@pytest.fixture(scope="module")
def residents(deployment, database) -> list[Browser]:
    """300 residents signed in through nginx (their cookies work on either instance)."""
    public_id, emails = create_burst_fixture(RESIDENTS)
    browsers = login_all(
        deployment.base_url, emails, csrf=True, workers=16, ssl_context=deployment.ssl_context()
    )
    database.config["BURST_SESSION"] = public_id
    return browsers


_OPENED = itertools.count()


def _open_session(title: str) -> tuple[str, str]:
    """A session open for check-in now. The same residents check in to every session these
    tests open, and a check-in overlapping one they are in is refused, so each session gets
    its own few minutes, after the burst fixture's (all inside the check-in window, which
    opens 15 minutes ahead)."""
    starts_at = timeutil.now_utc() + timedelta(minutes=3 + 4 * next(_OPENED))
    session = Session(
        title=title,
        kind="noon_conference",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=3),
        required=True,
    )
    db.session.add(session)
    db.session.commit()
    return session.public_id, session.checkin_secret


def _recorded(public_id: str) -> tuple[int, int, int]:
    db.session.remove()
    session_id = db.session.scalar(select(Session.id).where(Session.public_id == public_id))
    rows = db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.session_id == session_id)
    )
    people = db.session.scalar(
        select(func.count(func.distinct(Attendance.resident_id))).where(
            Attendance.session_id == session_id
        )
    )
    audits = db.session.scalar(
        select(func.count())
        .select_from(AttendanceChange)
        .where(AttendanceChange.session_id == session_id)
    )
    db.session.remove()
    return rows, people, audits


def test_a_check_in_burst_over_both_instances_records_each_check_in_once(
    deployment, database, residents
):
    public_id = database.config["BURST_SESSION"]
    secret = db.session.scalar(select(Session.checkin_secret).where(Session.public_id == public_id))
    before = [deployment.requests_seen(i, "POST", CHECKIN_PATH) for i in deployment.instances]

    result = burst(residents, public_id, lambda: codes.current_code(secret, timeutil.now_utc()),
                   csrf=True, workers=16)  # fmt: skip
    again = burst(residents[:50], public_id, lambda: codes.current_code(secret, timeutil.now_utc()),
                  csrf=True, workers=16)  # fmt: skip

    after = [deployment.requests_seen(i, "POST", CHECKIN_PATH) for i in deployment.instances]
    assert result.errors == []
    assert again.errors == []  # "already checked in"
    assert _recorded(public_id) == (RESIDENTS, RESIDENTS, RESIDENTS)
    assert all(b - a >= RESIDENTS // 4 for a, b in zip(before, after, strict=True))
    print(f"burst: {RESIDENTS} check-ins in {result.seconds:.2f} s over both instances")


def _burst_interrupted_by(residents, title: str, interrupt) -> tuple[str, BurstResult]:
    """Every resident checks in to a new session through nginx; once 30 are recorded,
    ``interrupt()`` runs while the rest are still tapping."""
    public_id, secret = _open_session(title)
    outcome: dict = {}

    def run() -> None:
        outcome["result"] = burst(
            residents, public_id, lambda: codes.current_code(secret, timeutil.now_utc()),
            csrf=True, workers=16,
        )  # fmt: skip

    thread = threading.Thread(target=run)
    thread.start()
    _until(lambda: _recorded(public_id)[0] >= 30, 120)
    interrupt()
    thread.join(timeout=300)
    return public_id, outcome["result"]


def test_a_graceful_restart_in_the_middle_of_a_burst_loses_no_check_in(
    deployment, database, residents
):
    restarted = deployment.instances[0]
    old_workers = restarted.worker_pids()

    def restart() -> None:
        restarted.process.send_signal(signal.SIGHUP)  # new workers; the old ones finish and stop

    public_id, result = _burst_interrupted_by(residents, "Restart Noon Conference", restart)
    deployment.wait_healthy(restarted, workers=deployment.workers)

    assert result.errors == []  # no 5xx, no connection error: every tap answered
    assert _recorded(public_id) == (RESIDENTS, RESIDENTS, RESIDENTS)
    assert restarted.worker_pids().isdisjoint(old_workers)
    print(f"burst with a restart: {RESIDENTS} check-ins in {result.seconds:.2f} s")


def test_json_logs_carry_the_request_id_nginx_sends_to_the_client(deployment):
    answer = _get(deployment.base_url, "/login", deployment)
    request_id = answer.getheader("X-Request-ID")
    logged = [
        line
        for instance in deployment.instances
        for line in deployment.log_lines(instance)
        if line.get("request_id") == request_id
    ]
    assert [(line["method"], line["path"], line["status"]) for line in logged] == [
        ("GET", "/login", 200)
    ]


def test_metrics_of_each_instance_add_up_its_workers(deployment, database, residents):
    """Run last: every check-in of this module was counted by the worker that took it."""
    nginx = _get(deployment.base_url, "/metrics", deployment)
    assert nginx.status == 404  # never served to the outside
    recorded = 0.0
    for instance in deployment.instances:
        families = {f.name: f for f in text_string_to_metric_families(deployment.metrics(instance))}
        recorded += sum(
            s.value for s in families["conferences_checkins"].samples
            if s.name.endswith("_total") and s.labels["outcome"] == "recorded"
        )  # fmt: skip
        routes = {
            s.labels["route"] for s in families["conferences_request_duration_seconds"].samples
        }
        assert "/sessions/<public_id>/checkin" in routes
    db.session.remove()
    assert recorded == db.session.scalar(select(func.count()).select_from(Attendance))


def test_stopping_and_starting_one_instance_in_the_middle_of_a_burst_loses_no_check_in(
    deployment, database, residents
):
    stopped = deployment.instances[1]

    def stop_and_start() -> None:
        deployment.stop_instance(stopped)  # graceful: requests in flight finish
        deployment.start_instance(stopped)

    public_id, result = _burst_interrupted_by(
        residents, "Stop-start Noon Conference", stop_and_start
    )
    assert result.errors == []
    assert _recorded(public_id) == (RESIDENTS, RESIDENTS, RESIDENTS)
