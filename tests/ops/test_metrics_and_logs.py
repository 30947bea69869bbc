"""Prometheus metrics (/metrics, only with METRICS_TOKEN and only for its bearer) and JSON
logs (LOG_FORMAT=json) with the request id nginx sends."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from conferences import create_app
from conferences.extensions import db
from conferences.feeds.subscriptions import feed_token
from conferences.metrics import MAIL
from conferences.notifications import services as mail
from conferences.people.models import Role, User, UserRole

TOKEN = "scrape-me"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _app(tmp_path: Path, monkeypatch, **settings):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'metrics.db'}",
            "SECRET_KEY": "metrics-test",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://conferences.test",
            **settings,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _scrape(client) -> dict[tuple[str, tuple], float]:
    answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    return _samples(answer.get_data(as_text=True))


def test_without_a_token_there_is_no_metrics_endpoint(tmp_path, monkeypatch):
    client = _app(tmp_path, monkeypatch).test_client()
    assert client.get("/metrics").status_code == 404


def test_metrics_answer_only_the_bearer_of_the_token(tmp_path, monkeypatch):
    client = _app(tmp_path, monkeypatch, METRICS_TOKEN=TOKEN).test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_requests_feeds_and_refused_sign_ins_are_counted(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, METRICS_TOKEN=TOKEN, FEED_COUNTER_TTL_SECONDS=0)
    client = app.test_client()
    with app.app_context():
        user = User(email="r@example.test", name="R", password_hash="", start_year=2026)
        db.session.add(user)
        db.session.flush()
        db.session.add(UserRole(user_id=user.id, role=Role.RESIDENT.value))
        path = f"/feeds/{feed_token(user)}.ics"
        db.session.commit()
    before = _scrape(client)

    client.get("/login")
    client.post("/login", data={"email": "r@example.test", "password": "wrong-password"})
    first = client.get(path)
    client.get(path, headers={"If-None-Match": first.headers["ETag"]})  # 304, fast path
    client.get("/feeds/not-a-token.ics")
    after = _scrape(client)

    def delta(name: str, **labels) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    login = {"route": "/login", "method": "GET"}
    assert delta("conferences_request_duration_seconds_count", **login) == 1
    assert delta("conferences_request_duration_seconds_bucket", le="+Inf", **login) == 1
    feed_route = {"route": "/feeds/<token>.ics", "method": "GET"}
    assert delta("conferences_request_duration_seconds_count", **feed_route) == 3
    assert delta("conferences_signin_failures_total", reason="wrong_credentials") == 1
    for status in ("200", "304", "404"):
        assert delta("conferences_feed_answers_total", feed="personal", status=status) == 1
    assert delta("conferences_cache_events_total", cache="renderings", event="miss") >= 1
    assert delta("conferences_cache_events_total", cache="personal", event="hit") >= 1


def test_mail_sent_and_failed_are_counted(app_ctx, app, unused_port):
    sent, failed = MAIL.labels("sent")._value.get(), MAIL.labels("failed")._value.get()
    mail.send("a@example.test", "Hello", "Body")
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=unused_port)
    try:
        mail.send("b@example.test", "Hello", "Body")
    finally:
        app.config.update(MAIL_BACKEND="outbox", MAIL_SERVER="localhost", MAIL_PORT=25)
    assert MAIL.labels("sent")._value.get() == sent + 1
    assert MAIL.labels("failed")._value.get() == failed + 1


@pytest.fixture
def unused_port() -> int:
    from tests.support.pgserver import free_port

    return free_port()


def test_worker_processes_are_added_up_in_multiprocess_mode(tmp_path):
    """Under gunicorn each worker writes its own files in PROMETHEUS_MULTIPROC_DIR."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = "from conferences.metrics import CHECKINS; CHECKINS.labels('recorded').inc(3)"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", count], env=env, cwd=PROJECT_ROOT, check=True)
    scrape = (
        "from prometheus_client import generate_latest\n"
        "from conferences.metrics import registry\n"
        "print(generate_latest(registry()).decode())"
    )
    text = subprocess.run(
        [sys.executable, "-c", scrape], env=env, cwd=PROJECT_ROOT, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert _samples(text)[("conferences_checkins_total", (("outcome", "recorded"),))] == 6


def _json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


@pytest.fixture
def json_log(tmp_path, monkeypatch):
    app = _app(tmp_path, monkeypatch, LOG_FORMAT="json")
    stream = io.StringIO()
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "conferences-json"]
    handler.setStream(stream)
    yield app, stream
    logging.getLogger().removeHandler(handler)


def test_json_logs_carry_the_request_id_nginx_sends(json_log):
    app, stream = json_log

    @app.get("/test-warns")
    def warns():
        app.logger.warning("something to look at")
        return "ok"

    client = app.test_client()
    client.get("/test-warns", headers={"X-Request-ID": "abc123def456"})
    lines = _json_lines(stream)
    assert [line["request_id"] for line in lines] == ["abc123def456", "abc123def456"]
    warning, request_line = lines
    assert (warning["level"], warning["message"]) == ("WARNING", "something to look at")
    assert request_line["logger"] == "conferences.requests"
    assert (request_line["method"], request_line["path"], request_line["status"]) == (
        "GET",
        "/test-warns",
        200,
    )
    assert request_line["duration_ms"] >= 0


def test_json_logs_make_an_id_when_none_is_sent_and_never_log_a_feed_token(json_log):
    app, stream = json_log
    client = app.test_client()
    client.get("/login", headers={"X-Request-ID": 'not an id; {"forged": 1}'})
    client.get("/feeds/secret-token-value.ics")
    first, feed = _json_lines(stream)
    assert len(first["request_id"]) == 32
    assert first["request_id"] != feed["request_id"]
    assert feed["path"] == "/feeds/<token>.ics"
    assert "secret-token-value" not in stream.getvalue()
