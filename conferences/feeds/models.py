"""Private calendar feed tokens, reminder choice, and followed series."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db


class FeedSubscription(db.Model):
    """One person's private feed. Only a SHA-256 of the token is stored."""

    __tablename__ = "feed_subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    alarm_minutes: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    last_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)


class SeriesFollow(db.Model):
    __tablename__ = "series_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    series_id: Mapped[int] = mapped_column(
        ForeignKey("series.id", ondelete="CASCADE"), primary_key=True
    )
