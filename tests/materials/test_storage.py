"""The storage interface: chosen once at app start from the configuration, and the same
behaviour (save, open, exists, delete) from the folder and from a real S3-compatible server."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conferences import create_app, storage
from conferences.config import ConfigurationError
from conferences.extensions import db

KEY = "a" * 32 + ".pdf"


def _app(tmp_path: Path, **config):
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "BASE_URL": "http://conferences.test",
            **config,
        }
    )


def test_the_backend_is_chosen_at_app_start(tmp_path, aws_env):
    local = _app(tmp_path).extensions["storage"]
    assert isinstance(local, storage.LocalStorage)
    assert local.root.name == "materials"
    chosen = _app(tmp_path, MATERIALS_DIR=str(tmp_path / "elsewhere")).extensions["storage"]
    assert chosen.root == tmp_path / "elsewhere"
    s3 = _app(
        tmp_path,
        STORAGE_URL="s3://program-files/conferences/materials",
        STORAGE_ENDPOINT_URL="http://minio.internal:9000",
    ).extensions["storage"]
    assert isinstance(s3, storage.S3Storage)
    assert (s3.bucket, s3.prefix) == ("program-files", "conferences/materials")
    assert s3.client.meta.endpoint_url == "http://minio.internal:9000"
    assert s3.name(KEY) == f"conferences/materials/{KEY}"


@pytest.mark.parametrize("url", ["s3://", "ftp://bucket/x", "bucket/prefix"])
def test_a_storage_url_that_is_not_s3_is_refused_at_start(tmp_path, url):
    with pytest.raises(ConfigurationError, match="s3://bucket/prefix"):
        _app(tmp_path, STORAGE_URL=url)


def test_save_open_exists_delete_on_both_backends(files):
    store = files.store
    assert not store.exists(KEY)
    store.save(KEY, b"%PDF-1.7 one")
    assert store.exists(KEY)
    assert files.names() == {KEY}
    with store.open(KEY) as stream:
        assert stream.read() == b"%PDF-1.7 one"
    big = b"0123456789abcdef" * (512 * 1024)  # 8 MB from a stream: S3 sends it in parts
    store.save(KEY, io.BytesIO(big))
    assert files.read(KEY) == big
    store.delete(KEY)
    assert not store.exists(KEY)
    assert files.names() == set()
    store.delete(KEY)  # already gone: no error


@pytest.mark.parametrize("key", ["../secret_key", "a" * 32 + ".pdf/../x", "A" * 32 + ".pdf", ""])
def test_a_key_the_app_did_not_make_is_refused(files, key):
    with pytest.raises(ValueError, match="bad storage key"):
        files.store.save(key, b"x")
    with pytest.raises(ValueError, match="bad storage key"):
        files.store.open(key)
    assert files.names() == set()


def test_a_file_leaves_storage_only_when_the_transaction_commits(app_ctx, files):
    files.store.save(KEY, b"%PDF-1.7")
    storage.delete_after_commit(KEY)
    db.session.rollback()
    db.session.commit()  # a later commit does not remove it either
    assert files.names() == {KEY}
    storage.delete_after_commit(KEY)
    db.session.commit()
    assert files.names() == set()


def test_a_file_saved_in_a_transaction_that_rolls_back_is_removed(app_ctx, files):
    files.store.save(KEY, b"%PDF-1.7")
    storage.delete_after_rollback(KEY)
    db.session.commit()  # committed: the file stays, and a later rollback leaves it
    db.session.rollback()
    assert files.names() == {KEY}
    other = "b" * 32 + ".pdf"
    files.store.save(other, b"%PDF-1.7")
    storage.delete_after_rollback(other)
    db.session.rollback()
    assert files.names() == {KEY}


def test_opening_a_missing_file_says_so_on_both_backends(files):
    with pytest.raises(FileNotFoundError):
        files.store.open(KEY)


def test_a_store_that_fails_to_delete_does_not_undo_the_commit(app, app_ctx, caplog):
    class Unreachable(storage.LocalStorage):
        def delete(self, key: str) -> None:
            raise ConnectionError("store unreachable")

    previous = app.extensions["storage"]
    app.extensions["storage"] = Unreachable(Path("/nonexistent"))
    try:
        storage.delete_after_commit(KEY)
        db.session.commit()  # no exception: the database has committed
    finally:
        app.extensions["storage"] = previous
    assert f"could not remove {KEY}" in caplog.text
