"""Launch the system Chromium through Playwright (Playwright never downloads a browser here)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Browser, Playwright

CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
DEBIAN_CHROMIUM = "/usr/lib/chromium/chromium"


class ChromiumNotFoundError(RuntimeError):
    """No usable Chromium binary on this machine."""


def _executable(path: str | None) -> str | None:
    if path and Path(path).is_file() and os.access(path, os.X_OK):
        return path
    return None


def find_chromium() -> str:
    """Path of the Chromium binary: $CHROMIUM_PATH, then the system install, then PATH."""
    env_path = os.environ.get("CHROMIUM_PATH")
    if env_path:
        found = _executable(env_path)
        if found is None:
            raise ChromiumNotFoundError(f"CHROMIUM_PATH={env_path!r} is not an executable file")
        return found
    candidates = (
        DEBIAN_CHROMIUM,
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    )
    for candidate in candidates:
        found = _executable(candidate)
        if found:
            return found
    raise ChromiumNotFoundError(
        "Chromium not found (checked $CHROMIUM_PATH, /usr/lib/chromium/chromium, "
        "/usr/bin/chromium, chromium and chromium-browser on PATH); "
        "run scripts/ensure-system-deps.sh"
    )


def launch_chromium(
    playwright: Playwright, *, headless: bool = True, extra_args: Sequence[str] = ()
) -> Browser:
    """Launch the system Chromium headless via Playwright's sync API."""
    return playwright.chromium.launch(
        executable_path=find_chromium(),
        headless=headless,
        args=[*CHROMIUM_ARGS, *extra_args],
    )
