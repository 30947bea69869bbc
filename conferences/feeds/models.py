"""Private calendar feed tokens, reminder choice, and followed series."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db


class FeedSubscription(db.Model):
    """One person's private feed.

    The token is HMAC(SECRET_KEY, user id + ``token_salt``), so the My calendar page can
    show it again; only its SHA-256 is stored for lookups, and a database leak alone does
    not reveal it. Resetting draws a new salt, which kills the old address.
    """

    __tablename__ = "feed_subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_salt: Mapped[str] = mapped_column(String(64), default="", server_default="")
    alarm_minutes: Mapped[int | None] = mapped_column(default=None)
    # Residents may add their rotation blocks (all-day, shown as free) to the feed.
    include_blocks: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # The ETag of the content last served and since when it has been current: the
    # feed's Last-Modified, the same in every server process.
    content_etag: Mapped[str] = mapped_column(String(80), default="", server_default="")
    content_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SeriesFollow(db.Model):
    __tablename__ = "series_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[int] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
