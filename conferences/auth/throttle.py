"""Throttling guesses without locking anyone out.

State lives in the rate limiter's storage (RATELIMIT_STORAGE_URI: memory for one process,
Redis or Memcached for several workers), never in a module-level dict, so every worker sees
the same counts.

- Sign-in: failures are counted per account *and* client address. After a few free failures
  the next try from that address for that account must wait, a delay that doubles with each
  further failure (2 s, 4 s, 8 s... capped). The person themselves, at another address, is
  not slowed at all; a successful sign-in clears the count.
- Typed check-in codes and the current-password field: wrong tries are counted per account
  in a one-minute window; past the limit the form says to wait.

Everything here is off when the rate limiter is (RATELIMIT_ENABLED, and tests by default).
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits import parse

from conferences.extensions import limiter

FAILURE_MEMORY_SECONDS = 3600


def _on() -> bool:
    return bool(limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True))


def _key(scope: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"conferences/{scope}/{digest}"


# --- sign-in: growing delay per account and address --------------------------------------


def signin_wait(account: str, address: str) -> int:
    """Seconds this address must still wait before trying this account again (0: go on)."""
    if not _on():
        return 0
    storage = limiter.storage
    key = _key("signin-wait", account, address)
    if storage.get(key) <= 0:
        return 0
    return max(1, math.ceil(storage.get_expiry(key) - time.time()))


def signin_failed(account: str, address: str) -> int:
    """Count a failed sign-in; the delay (seconds) now imposed on the next try, 0 for none."""
    if not _on():
        return 0
    config = current_app.config
    storage = limiter.storage
    failures = storage.incr(_key("signin-fail", account, address), FAILURE_MEMORY_SECONDS)
    free = int(config["SIGNIN_FREE_FAILURES"])
    if failures <= free:
        return 0
    delay = min(2 ** (failures - free), int(config["SIGNIN_MAX_DELAY_SECONDS"]))
    wait_key = _key("signin-wait", account, address)
    storage.clear(wait_key)
    storage.incr(wait_key, delay)
    return delay


def signin_succeeded(account: str, address: str) -> None:
    if not _on():
        return
    limiter.storage.clear(_key("signin-fail", account, address))
    limiter.storage.clear(_key("signin-wait", account, address))


# --- typed codes and the current password: a few dozen tries a minute per account ---------


def tries_left(scope: str, account_id: int) -> bool:
    """Whether ``account_id`` may try ``scope`` ("checkin-code", "current-password") now."""
    if not _on():
        return True
    item = parse(current_app.config["GUESS_RATE_LIMIT_PER_ACCOUNT"])
    return limiter.limiter.test(item, "conferences", scope, str(account_id))


def wrong_try(scope: str, account_id: int) -> None:
    """Count one wrong code or password for ``account_id``."""
    if not _on():
        return
    item = parse(current_app.config["GUESS_RATE_LIMIT_PER_ACCOUNT"])
    limiter.limiter.hit(item, "conferences", scope, str(account_id))
