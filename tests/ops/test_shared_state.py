"""Start-up checks for state that must be shared by every worker and host, and the
headers an https deployment sends."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from conferences import config, create_app

PRODUCTION = {"BASE_URL": "https://conferences.example.org", "TESTING": False}


def _app_config(tmp_path: Path, **overrides) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.db'}",
        "SECRET_KEY": "a-shared-secret",
        **overrides,
    }


@pytest.fixture
def instance(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("CONFERENCES_WORKERS", raising=False)
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    return tmp_path


def test_memory_limits_with_several_workers_are_refused_in_production(instance, monkeypatch):
    monkeypatch.setenv("CONFERENCES_WORKERS", "4")
    with pytest.raises(config.ConfigurationError, match="RATELIMIT_STORAGE_URI"):
        create_app(_app_config(instance, **PRODUCTION))


def test_memory_limits_with_several_workers_warn_outside_production(instance, monkeypatch, caplog):
    monkeypatch.setenv("WEB_CONCURRENCY", "2")
    with caplog.at_level(logging.WARNING):
        create_app(_app_config(instance, BASE_URL="http://127.0.0.1:5000"))
    assert any("2 worker processes" in r.message for r in caplog.records)


@pytest.mark.parametrize(("workers", "uri"), [("1", "memory://"), ("4", "redis://127.0.0.1:6379")])
def test_one_worker_or_a_shared_store_starts_quietly(instance, monkeypatch, caplog, workers, uri):
    monkeypatch.setenv("CONFERENCES_WORKERS", workers)
    with caplog.at_level(logging.WARNING):
        app = create_app(_app_config(instance, RATELIMIT_STORAGE_URI=uri, **PRODUCTION))
    assert app.config["RATELIMIT_STORAGE_URI"] == uri
    assert not [r for r in caplog.records if "RATELIMIT_STORAGE_URI" in r.message]


def test_production_never_draws_its_own_secret_key(instance):
    settings = _app_config(instance, **PRODUCTION)
    del settings["SECRET_KEY"]
    with pytest.raises(config.ConfigurationError, match="SECRET_KEY"):
        create_app(settings)
    assert not (instance / "instance" / "secret_key").exists()


def test_workers_starting_together_agree_on_one_secret_key(tmp_path):
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(config.load_or_create_secret_key(str(tmp_path)))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8
    assert len(set(keys)) == 1
    assert (tmp_path / "secret_key").read_text() == keys[0]
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]  # no temporary left


def test_https_answers_carry_hsts_and_http_answers_do_not(instance):
    secure = create_app(_app_config(instance, **PRODUCTION)).test_client()
    plain = create_app(_app_config(instance, BASE_URL="http://127.0.0.1:5000")).test_client()
    assert "max-age=" in secure.get("/login").headers["Strict-Transport-Security"]
    assert "Strict-Transport-Security" not in plain.get("/login").headers
