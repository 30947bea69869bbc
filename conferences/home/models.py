"""What a person saw on their home page, so a later visit can mark what changed since."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from conferences.dbtypes import UTCDateTime
from conferences.extensions import db


class HomeVisit(db.Model):
    """One row per person.

    ``seen`` is what the latest visit showed (at ``seen_at``); ``baseline`` is what the
    visit before the current sitting showed (at ``baseline_at``). Visits close together
    are one sitting, so a reload keeps the marks instead of clearing them. Each maps a
    session id (as text) to ``[starts_at ISO, room, status, presenter ids]``.
    """

    __tablename__ = "home_visits"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen: Mapped[dict] = mapped_column(JSON, default=dict)
    baseline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    baseline: Mapped[dict] = mapped_column(JSON, default=dict)
