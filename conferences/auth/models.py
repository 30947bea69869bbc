"""Sign-ins: one row per signed-in browser, so the server can end a session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db
from conferences.people.models import User


class SignIn(db.Model):
    """A browser signed in as a person. The session cookie (and the remember-me cookie when
    the person chose "Keep me signed in") carries a random token; only its SHA-256 is kept.
    Deleting the row signs that browser out, whatever copies of its cookies exist."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(20))  # "password" or "oidc"
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)

    user: Mapped[User] = relationship(lazy="joined")
