"""Both storage backends for the materials tests: a folder, and a real S3-compatible
server (moto's server mode, started here on a free port) reached through boto3 exactly as
in production (``STORAGE_URL=s3://bucket/prefix`` and ``STORAGE_ENDPOINT_URL``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from conferences import storage
from tests.support.pgserver import free_port

HOST = "127.0.0.1"


@pytest.fixture(scope="session")
def s3_endpoint():
    """A moto S3 server for the whole run (its buckets live in its memory)."""
    from moto.server import ThreadedMotoServer

    port = free_port(HOST)
    server = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    server.start()
    yield f"http://{HOST}:{port}"
    server.stop()


@pytest.fixture
def aws_env(monkeypatch):
    """boto3 reads credentials and region from the standard variables; moto takes any."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Files:
    """The app's storage for one test, and a look at what it really holds."""

    backend: str
    store: storage.Storage
    root: Path | None = None
    client: object = None  # a boto3 client of its own, for the S3 backend
    bucket: str = ""
    prefix: str = ""

    def names(self) -> set[str]:
        """The keys stored, read from the folder or from the bucket itself."""
        if self.backend == "local":
            assert self.root is not None
            if not self.root.exists():
                return set()
            return {p.name for p in self.root.iterdir() if not p.name.startswith(".")}
        listing = self.client.list_objects_v2(Bucket=self.bucket)  # type: ignore[attr-defined]
        found = {item["Key"] for item in listing.get("Contents", [])}
        assert all(name.startswith(self.prefix + "/") for name in found)
        return {name.removeprefix(self.prefix + "/") for name in found}

    def read(self, key: str) -> bytes:
        if self.backend == "local":
            assert self.root is not None
            return (self.root / key).read_bytes()
        answer = self.client.get_object(  # type: ignore[attr-defined]
            Bucket=self.bucket, Key=f"{self.prefix}/{key}"
        )
        return answer["Body"].read()


def _s3_files(app, s3_endpoint) -> Files:
    import boto3

    bucket = f"conferences-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=bucket)
    config = {"STORAGE_URL": f"s3://{bucket}/materials", "STORAGE_ENDPOINT_URL": s3_endpoint}
    store = storage.build(config, app.instance_path)
    assert isinstance(store, storage.S3Storage)
    return Files("s3", store, client=client, bucket=bucket, prefix="materials")


@pytest.fixture(params=["local", "s3"])
def files(request, app, tmp_path, aws_env) -> Files:
    """The app's storage for this test, on each backend in turn."""
    if request.param == "local":
        found = Files("local", storage.LocalStorage(tmp_path / "files"), root=tmp_path / "files")
    else:
        found = _s3_files(app, request.getfixturevalue("s3_endpoint"))
    previous = app.extensions["storage"]
    app.extensions["storage"] = found.store
    yield found
    app.extensions["storage"] = previous


@pytest.fixture
def local_files(app, tmp_path) -> Files:
    """The folder backend alone (for tests where the backend makes no difference)."""
    found = Files("local", storage.LocalStorage(tmp_path / "files"), root=tmp_path / "files")
    previous = app.extensions["storage"]
    app.extensions["storage"] = found.store
    yield found
    app.extensions["storage"] = previous
