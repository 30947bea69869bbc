"""A person's feed subscription: the secret token of their address (only its hash is
stored), its reset, the reminder choice, and the series they follow. Every change bumps
the ``feed_settings`` counter so every server process reads the subscriptions again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets

from flask import current_app
from sqlalchemy import delete, select

from conferences.errors import DomainError
from conferences.extensions import db
from conferences.feeds import ical
from conferences.feeds.caches import (
    FEED_SETTINGS,
    current_counters,
    forget_subscribers,
    subscribers,
)
from conferences.feeds.models import FeedSubscription, SeriesFollow
from conferences.feeds.window import feed_window
from conferences.people.models import User
from conferences.program.services import bump_counter
from conferences.schedule.models import Series

log = logging.getLogger("conferences.feeds")

ALARM_CHOICES = ical.ALARM_CHOICES


# ---------------------------------------------------------------------------
# Tokens


def derive_token(user_id: int, salt: str) -> str:
    """The feed token: HMAC-SHA256(SECRET_KEY, user id and salt), URL-safe, 256 bits."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"feed-token:{user_id}:{salt}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_subscription(user: User) -> FeedSubscription:
    """The person's subscription row, created (with a fresh salt) on first use."""
    sub = db.session.get(FeedSubscription, user.id)
    if sub is None:
        sub = FeedSubscription(user_id=user.id)
        _new_salt(sub)
        db.session.add(sub)
        db.session.flush()
        _settings_changed()
    return sub


def _settings_changed() -> None:
    """A subscription changed: every server process must read them again."""
    bump_counter(FEED_SETTINGS)
    forget_subscribers()


def _new_salt(sub: FeedSubscription) -> None:
    sub.token_salt = secrets.token_urlsafe(32)
    sub.token_hash = hash_token(derive_token(sub.user_id, sub.token_salt))


class SecretKeyMismatch(DomainError):
    status_code = 503


def feed_token(user: User) -> str:
    """The person's current feed token (only its hash is stored), created on first use.

    An old row without a salt gets one (its address could not be shown anyway).
    """
    sub = get_subscription(user)
    if not sub.token_salt:
        _new_salt(sub)
        db.session.flush()
        _settings_changed()
    return _checked_token(sub)


def _checked_token(sub: FeedSubscription) -> str:
    """The token of a salted subscription, refusing when this process cannot derive it.

    A stored hash that no longer matches means this server process has another SECRET_KEY
    than the one the address was made with: a worker that generated its own key, say.
    Drawing a new salt would silently change the address of everyone who opens My calendar
    there, so this refuses instead, and logs why; the addresses keep working (they are
    found by hash).
    """
    token = derive_token(sub.user_id, sub.token_salt)
    if sub.token_hash != hash_token(token):
        log.error(
            "SECRET_KEY differs from the one feed addresses were made with; set the same"
            " SECRET_KEY for every worker (feed address of user %s left unchanged)",
            sub.user_id,
        )
        raise SecretKeyMismatch(
            "Your calendar address cannot be shown by this server right now (its"
            " configuration differs from the others'). Your subscribed calendars keep"
            " working. Please tell an administrator."
        )
    return token


def find_subscription(user: User) -> FeedSubscription | None:
    """The person's subscription row if they have one (reads only)."""
    return db.session.get(FeedSubscription, user.id)


def current_token(user: User) -> str | None:
    """The person's working feed token, or None when they have no address yet (or an old
    row without a salt must be renewed): reads only, so a page showing it can be opened by
    a GET."""
    sub = find_subscription(user)
    if sub is None or not sub.token_salt:
        return None
    return _checked_token(sub)


def reset_token(user: User) -> str:
    """Kill the current address and return the new token."""
    sub = get_subscription(user)
    _new_salt(sub)
    sub.content_etag = ""
    sub.content_changed_at = None
    db.session.flush()
    _settings_changed()
    return derive_token(user.id, sub.token_salt)


def set_include_blocks(user: User, include: bool) -> FeedSubscription:
    """Add (or leave out) the person's rotation blocks in their feed."""
    sub = get_subscription(user)
    sub.include_blocks = bool(include)
    db.session.flush()
    _settings_changed()
    return sub


def set_alarm(user: User, minutes: int | None) -> FeedSubscription:
    if minutes not in ALARM_CHOICES:
        raise DomainError("Choose no reminder, or 10, 15, 30 or 60 minutes.", field="alarm")
    sub = get_subscription(user)
    sub.alarm_minutes = minutes
    db.session.flush()
    _settings_changed()
    return sub


def token_is_active(token: str) -> bool:
    """Is this a person's current feed token (it stands for them where no one signs in)?"""
    return hash_token(token) in subscribers(current_counters())


# ---------------------------------------------------------------------------
# Follows


def followable_series() -> list[Series]:
    """Series still running in the feed window, by title."""
    first, _last = feed_window()
    return list(
        db.session.scalars(select(Series).where(Series.ends_on >= first).order_by(Series.title))
    )


def followed_series_ids(user_id: int) -> set[int]:
    return set(
        db.session.scalars(select(SeriesFollow.series_id).where(SeriesFollow.user_id == user_id))
    )


def follow_series(user: User, series: Series) -> None:
    if db.session.get(SeriesFollow, (user.id, series.id)) is None:
        db.session.add(SeriesFollow(user_id=user.id, series_id=series.id))
        db.session.flush()
        _settings_changed()


def unfollow_series(user: User, series: Series) -> None:
    result = db.session.execute(
        delete(SeriesFollow).where(
            SeriesFollow.user_id == user.id, SeriesFollow.series_id == series.id
        )
    )
    if result.rowcount:  # type: ignore[attr-defined]
        _settings_changed()
