"""Sessions the server can end: each sign-in is a row, found again by the token its cookies
carry (Flask-Login's alternative id). Signing out deletes the row; changing a password,
"Sign out everywhere", deactivation, role removal and an administrator's password reset
delete all of a person's rows, so every session and remember-me cookie of theirs stops
working at once, copies included.

Plain arguments in, model objects out; nothing here reads the request or commits.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update

from conferences import timeutil
from conferences.auth.models import SignIn
from conferences.extensions import db
from conferences.people.models import User
from conferences.people.signals import access_reduced

# seen_at is written at most this often per sign-in (it only has to be right to the minute
# against an idle limit of hours).
TOUCH_EVERY = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(user: User, *, method: str, remember: bool) -> str:
    """Record a new sign-in of ``user`` and return its token (a new one every time, so the
    remember-me cookie changes at each sign-in)."""
    token = secrets.token_urlsafe(32)
    now = timeutil.now_utc()
    db.session.add(
        SignIn(
            token_hash=_hash(token),
            user_id=user.id,
            method=method,
            remember=remember,
            created_at=now,
            seen_at=now,
        )
    )
    db.session.flush()
    user.sign_in_token = token
    return token


@dataclass(frozen=True)
class Limits:
    idle: timedelta  # a sign-in without "keep me signed in" ends after this long unused
    remembered: timedelta  # one with it ends this long after the sign-in


class Found(enum.Enum):
    NONE = "none"  # no such sign-in (never was, signed out, or ended)
    FRESH = "fresh"  # valid, used recently
    STALE = "stale"  # valid, its last-seen time is due for a write (see touch)
    EXPIRED = "expired"  # idle too long, past its remember-me lifetime, or account inactive


def load(token: str, limits: Limits) -> tuple[User | None, Found]:
    """The active person signed in with ``token`` and what the caller must do about the row
    (``touch`` it when STALE, ``end`` it when EXPIRED) once its own work is committed."""
    if not token or len(token) > 100:
        return None, Found.NONE
    sign_in = db.session.scalar(select(SignIn).where(SignIn.token_hash == _hash(token)))
    if sign_in is None:
        return None, Found.NONE
    now = timeutil.now_utc()
    expired = (
        now - sign_in.created_at > limits.remembered
        if sign_in.remember
        else now - sign_in.seen_at > limits.idle
    )
    if expired or not sign_in.user.active:
        return None, Found.EXPIRED
    user = sign_in.user
    user.sign_in_token = token
    return user, Found.STALE if now - sign_in.seen_at > TOUCH_EVERY else Found.FRESH


def touch(token: str) -> None:
    """Note that the sign-in was used now (keeps it from going idle)."""
    db.session.execute(
        update(SignIn).where(SignIn.token_hash == _hash(token)).values(seen_at=timeutil.now_utc())
    )


def end(token: str | None) -> None:
    """End one sign-in (signing out on this browser)."""
    if token:
        db.session.execute(delete(SignIn).where(SignIn.token_hash == _hash(token)))


def end_all(user: User) -> int:
    """End every sign-in of ``user``; the number ended."""
    result = db.session.execute(delete(SignIn).where(SignIn.user_id == user.id))
    return result.rowcount or 0


def count(user: User) -> int:
    return len(db.session.scalars(select(SignIn.id).where(SignIn.user_id == user.id)).all())


@access_reduced.connect
def _end_sessions_of(user: User, **_kwargs) -> None:
    end_all(user)
