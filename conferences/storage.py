"""Where uploaded files are kept: one interface (save, open, delete, exists), two backends.

- ``LocalStorage``: a folder, ``instance/materials`` by default (``MATERIALS_DIR`` to choose
  another). Used when ``STORAGE_URL`` is unset.
- ``S3Storage``: an S3-compatible object store, ``STORAGE_URL=s3://bucket/prefix``, through
  boto3. Credentials and region come from boto3's usual sources (``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, instance roles...);
  ``STORAGE_ENDPOINT_URL`` points it at another store than AWS (MinIO, Ceph...).

The backend is chosen once, when the app starts (``init_app``), and kept in
``app.extensions["storage"]``; callers use ``storage()`` and never know which it is.
Keys are names the app generates (32 hex digits and an extension), never a user's:
both backends refuse anything else, so no key can reach outside its folder or prefix.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from conferences.config import ConfigurationError
from conferences.extensions import db

logger = logging.getLogger(__name__)
_KEY = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{3,4}$")
CHUNK_BYTES = 1024 * 1024


def check_key(key: str) -> str:
    if not _KEY.match(key or ""):
        raise ValueError("bad storage key")
    return key


def _stream(data: bytes | BinaryIO) -> BinaryIO:
    return io.BytesIO(data) if isinstance(data, bytes | bytearray) else data


class Storage(Protocol):
    def save(self, key: str, data: bytes | BinaryIO) -> None:
        """Store ``data`` (bytes or a readable binary stream) under ``key``, whole."""

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the stored file (the caller closes it);
        FileNotFoundError when there is none."""

    def delete(self, key: str) -> None:
        """Remove the file; removing a missing one is not an error."""

    def exists(self, key: str) -> bool:
        """Whether a file is stored under ``key``."""


class LocalStorage:
    def __init__(self, root: Path):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"LocalStorage({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, key: str, data: bytes | BinaryIO) -> None:
        target = self._path(key)
        self.root.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed into place: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(_stream(data), out, CHUNK_BYTES)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Storage:
    def __init__(self, bucket: str, prefix: str, client):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.client = client  # boto3 clients are safe to share between threads

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def name(self, key: str) -> str:
        """The object's name in the bucket."""
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def save(self, key: str, data: bytes | BinaryIO) -> None:
        # upload_fileobj sends large files in parts; an object appears only when complete.
        self.client.upload_fileobj(_stream(data), self.bucket, self.name(key))

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.name(key))["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(key) from error
            raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.name(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self.name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True


def build(config, instance_path: str) -> Storage:
    """The backend the configuration asks for (refused with a message when it is unusable)."""
    url = str(config.get("STORAGE_URL") or "").strip()
    if not url:
        folder = config.get("MATERIALS_DIR") or ""
        return LocalStorage(Path(folder) if folder else Path(instance_path) / "materials")
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ConfigurationError(
            f"STORAGE_URL must look like s3://bucket/prefix (got {url!r}); "
            "leave it unset to keep files under the instance folder."
        )
    import boto3

    client = boto3.session.Session().client(
        "s3", endpoint_url=config.get("STORAGE_ENDPOINT_URL") or None
    )
    return S3Storage(parts.netloc, parts.path, client)


def init_app(app: Flask) -> None:
    app.extensions["storage"] = build(app.config, app.instance_path)


def storage() -> Storage:
    return current_app.extensions["storage"]


ON_COMMIT, ON_ROLLBACK = "storage_delete_on_commit", "storage_delete_on_rollback"


def _pending(name: str, key: str) -> None:
    session = db.session()
    if not session.in_transaction():
        session.begin()  # so that the end of the transaction, either way, is seen
    session.info.setdefault(name, []).append((storage(), key))


def delete_after_commit(key: str) -> None:
    """Remove the file once the database transaction that stopped referring to it commits;
    a rollback keeps both the row and the file."""
    _pending(ON_COMMIT, key)


def delete_after_rollback(key: str) -> None:
    """Remove a file just saved if the transaction that refers to it is rolled back, so no
    file is left that no row names."""
    _pending(ON_ROLLBACK, key)


def _settle(session: Session, delete: str, keep: str) -> None:
    session.info.pop(keep, None)
    for store, key in session.info.pop(delete, []):
        try:
            store.delete(key)
        except Exception:  # the database has decided: a file left over is only logged
            logger.exception("could not remove %s from %r", key, store)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    _settle(session, ON_COMMIT, ON_ROLLBACK)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:
        _settle(session, ON_ROLLBACK, ON_COMMIT)
