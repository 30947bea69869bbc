"""BASE_URL, when not configured, names the port being served (PORT=8000 make run)."""

from __future__ import annotations

import pytest

from conferences import create_app


def _app(tmp_path, monkeypatch, **env):
    for name in ("BASE_URL", "PORT", "FLASK_RUN_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "8000"}, "http://127.0.0.1:8000"),
        ({"FLASK_RUN_PORT": "8123"}, "http://127.0.0.1:8123"),
        ({"PORT": "8000", "BASE_URL": "https://conferences.example.org"}, None),
        ({"PORT": "not-a-port"}, "http://127.0.0.1:5000"),
    ],
)
def test_base_url_defaults_to_the_served_port(tmp_path, monkeypatch, env, expected):
    app = _app(tmp_path, monkeypatch, **env)
    assert app.config["BASE_URL"] == (expected or env["BASE_URL"])
    with app.test_request_context():
        from conferences.config import public_url

        assert public_url("/feeds/x.ics") == (expected or env["BASE_URL"]) + "/feeds/x.ics"
