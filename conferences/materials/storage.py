"""Where material files are kept: a folder under the instance folder by default
(``MATERIALS_DIR`` to choose another). Keys are generated names, never a user's."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from flask import current_app

_KEY = re.compile(r"^[0-9a-f]{32}\.[a-z]{3,4}$")


class LocalStorage:
    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError("bad storage key")
        return self.root / key

    def save(self, key: str, data: bytes) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # Written whole, then renamed into place: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, self._path(key))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


def storage() -> LocalStorage:
    configured = current_app.config.get("MATERIALS_DIR") or ""
    root = Path(configured) if configured else Path(current_app.instance_path) / "materials"
    return LocalStorage(root)
