"""Check-in codes and windows: pure functions of a session, the settings and an instant.

A code is derived like TOTP: HMAC-SHA256 of the session's secret and the 60-second time
step, written as 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L).
The current and the previous step are accepted, so a code read at the last second still
works for a minute; anything older is "expired".
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
STEP_SECONDS = 60
# How far back a code is still recognised as "this session's, but expired".
EXPIRED_LOOKBACK_STEPS = 6 * 60

_SEPARATORS = re.compile(r"[\s\-‐-―_]+")


def time_step(at: datetime) -> int:
    """The 60-second step number of an instant (steps count from the Unix epoch)."""
    return int(at.timestamp()) // STEP_SECONDS


def step_starts_at(step: int) -> datetime:
    return datetime.fromtimestamp(step * STEP_SECONDS, tz=UTC)


def seconds_to_next_code(at: datetime) -> int:
    """Whole seconds until the code shown at ``at`` is replaced (1..60)."""
    return STEP_SECONDS - int(at.timestamp()) % STEP_SECONDS


def code_for(secret: str, step: int) -> str:
    """The code of one session's secret at one time step."""
    digest = hmac.new(secret.encode(), step.to_bytes(8, "big"), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def current_code(secret: str, at: datetime) -> str:
    return code_for(secret, time_step(at))


def normalise(typed: str | None) -> str:
    """What a person typed, as a code: no spaces or dashes, upper case."""
    return _SEPARATORS.sub("", typed or "").upper()


def is_well_formed(code: str) -> bool:
    """Could this (normalised) string be a code at all?"""
    return len(code) == CODE_LENGTH and all(c in ALPHABET for c in code)


class CodeMatch(StrEnum):
    VALID = "valid"  # the current or the previous step
    EXPIRED = "expired"  # an older step of this session
    NO_MATCH = "no_match"


def match_code(secret: str, code: str, at: datetime) -> CodeMatch:
    """Is ``code`` (normalised) this secret's current/previous code, an older one, or neither?"""
    if not is_well_formed(code):
        return CodeMatch.NO_MATCH
    step = time_step(at)
    for candidate in (step, step - 1):
        if hmac.compare_digest(code_for(secret, candidate), code):
            return CodeMatch.VALID
    for candidate in range(step - 2, step - EXPIRED_LOOKBACK_STEPS, -1):
        if hmac.compare_digest(code_for(secret, candidate), code):
            return CodeMatch.EXPIRED
    return CodeMatch.NO_MATCH


@dataclass(frozen=True)
class Window:
    """When check-in for one session is open, and when it starts counting as late."""

    opens_at: datetime
    late_after: datetime
    closes_at: datetime

    def is_open(self, at: datetime) -> bool:
        return self.opens_at <= at <= self.closes_at

    def is_late(self, at: datetime) -> bool:
        """Late strictly after the grace period: a check-in at the boundary is on time."""
        return at > self.late_after


def _first_set(*values: int | None) -> int:
    for value in values:
        if value is not None:
            return value
    raise ValueError("no value")


def window_for(session, settings) -> Window:
    """The session's window: its own minutes, else its series', else the program's."""
    series = session.series

    def minutes(name: str) -> int:
        return _first_set(
            getattr(session, name),
            getattr(series, name) if series is not None else None,
            getattr(settings, name),
        )

    starts_at = session.starts_at
    return Window(
        opens_at=starts_at - timedelta(minutes=minutes("checkin_opens_minutes")),
        late_after=starts_at + timedelta(minutes=minutes("checkin_grace_minutes")),
        closes_at=starts_at + timedelta(minutes=minutes("checkin_closes_minutes")),
    )
