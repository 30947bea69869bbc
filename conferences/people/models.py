"""People: users and their roles, and the firms and tracks residents belong to."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db


class Role(enum.StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    FACULTY = "faculty"
    RESIDENT = "resident"


class Firm(db.Model):
    __tablename__ = "firms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(default=True)

    def __str__(self) -> str:
        return self.name


DEFAULT_RESIDENCY_YEARS = 3


class Track(db.Model):
    __tablename__ = "tracks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # How many academic years a resident on this track stays (a preliminary year: 1).
    years: Mapped[int] = mapped_column(
        default=DEFAULT_RESIDENCY_YEARS, server_default=str(DEFAULT_RESIDENCY_YEARS)
    )

    def __str__(self) -> str:
        return self.name


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so uniqueness is case-insensitive on every backend.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)
    # Residents only: academic year they started as PGY-1, track and firm.
    start_year: Mapped[int | None] = mapped_column(default=None)
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id"), default=None)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), default=None, index=True)
    # The last day of residency when it is not the end of the track's last year (an
    # extension, an early finish); the day after, the resident is an alumnus.
    graduates_on: Mapped[date | None] = mapped_column(default=None)
    # The single sign-on identity linked to this account: "<issuer> <subject>" from the ID
    # token, stored at the first sign-in so later ones match it even if the e-mail changes.
    oidc_identity: Mapped[str | None] = mapped_column(
        String(600), unique=True, index=True, default=None
    )
    # E-mail me when a session I am expected at is cancelled, moved or changes room at
    # short notice (the program's ``change_alert_hours``); each person can turn it off.
    change_alerts: Mapped[bool] = mapped_column(default=True, server_default=true())

    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    track: Mapped[Track | None] = relationship(lazy="joined")
    firm: Mapped[Firm | None] = relationship(lazy="joined")

    # Set when this object stands for one sign-in (see conferences.auth.sessions): Flask-Login
    # stores get_id() in the session and the remember-me cookie, so ending that sign-in on the
    # server ends both.
    sign_in_token = None

    def __str__(self) -> str:
        return self.name

    def get_id(self) -> str:
        """Flask-Login's alternative id: the sign-in's token, never the bare account id."""
        return str(self.sign_in_token or "")

    # Flask-Login uses is_active to refuse deactivated accounts.
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def roles(self) -> set[Role]:
        return {Role(r.role) for r in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        mine = self.roles
        return any(role in mine for role in roles)

    def set_roles(self, roles: set[Role]) -> None:
        current = {r.role: r for r in self.role_rows}
        for name in list(current):
            if Role(name) not in roles:
                self.role_rows.remove(current[name])
        for role in roles:
            if role.value not in current:
                self.role_rows.append(UserRole(role=role.value))

    @property
    def is_resident(self) -> bool:
        return self.has_role(Role.RESIDENT)

    @property
    def is_coordinator(self) -> bool:
        return self.has_role(Role.COORDINATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def is_faculty(self) -> bool:
        return self.has_role(Role.FACULTY)

    def pgy(self, on: date | None = None) -> int | None:
        if self.start_year is None:
            return None
        return timeutil.pgy_level(self.start_year, on)

    @property
    def residency_ends(self) -> date | None:
        """The last day of residency (see ``residency_last_day``)."""
        years = self.track.years if self.track is not None else DEFAULT_RESIDENCY_YEARS
        return residency_last_day(self.start_year, years, self.graduates_on)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)


def residency_last_day(
    start_year: int | None, years: int = DEFAULT_RESIDENCY_YEARS, graduates_on: date | None = None
) -> date | None:
    """The last day of a residency: the graduation date if set, else 30 June of the
    track's last academic year (None when the start year is unknown)."""
    if graduates_on is not None:
        return graduates_on
    if start_year is None:
        return None
    return timeutil.academic_year_bounds(start_year + max(years, 1) - 1)[1]


def normalise_email(email: str) -> str:
    return email.strip().lower()
