"""Smaller items from the security review: request size, HSTS, the generated secret key."""

from __future__ import annotations

import io
import multiprocessing

from conferences import config as config_module
from conferences import create_app
from tests.conftest import make_test_config


class HugeBody(io.RawIOBase):
    """A 1 GB request body that exists only as far as it is read, counting what is read."""

    size = 1 << 30

    def __init__(self) -> None:
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = offset if whence == 0 else self.size + offset
        return self.position

    def readinto(self, buffer) -> int:
        size = min(len(buffer), self.size - self.position)
        buffer[:size] = b"a" * size
        self.position += size
        self.read_bytes += size
        return size


def test_a_huge_post_is_refused_unread(client):
    body = HugeBody()
    response = client.post(
        "/login", input_stream=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413
    assert "was not read" in response.text
    assert body.read_bytes < 1 << 20


def test_a_post_under_the_limit_is_read(client):
    response = client.post("/login", data={"email": "a@example.test", "password": "x" * 1000})
    assert response.status_code == 200


def _app(tmp_path, monkeypatch, base_url: str):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    return create_app(
        make_test_config(f"sqlite:///{tmp_path / 'x.db'}", str(tmp_path)) | {"BASE_URL": base_url}
    )


def test_strict_transport_security_when_the_public_address_is_https(tmp_path, monkeypatch):
    https = _app(tmp_path, monkeypatch, "https://conferences.example.org").test_client()
    assert https.get("/login").headers["Strict-Transport-Security"].startswith("max-age=")
    plain = _app(tmp_path, monkeypatch, "http://127.0.0.1:5000").test_client()
    assert "Strict-Transport-Security" not in plain.get("/login").headers


def _start_worker(instance: str, barrier, results) -> None:
    barrier.wait()
    results.put(config_module.load_or_create_secret_key(instance))


def test_workers_starting_at_once_end_with_one_secret_key(tmp_path):
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    results = context.Queue()
    workers = [
        context.Process(target=_start_worker, args=(str(tmp_path), barrier, results))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    keys = [results.get(timeout=30) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    assert len(set(keys)) == 1
    assert len(keys[0]) == 64
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == keys[0]
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no leftovers
    assert config_module.load_or_create_secret_key(str(tmp_path)) == keys[0]
