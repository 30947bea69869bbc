"""Signing in and passwords."""

from __future__ import annotations

from sqlalchemy import select

from conferences.auth.forms import MIN_PASSWORD_LENGTH
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.models import User, normalise_email

COMMON_PASSWORDS = frozenset(
    {"password", "password1", "password123", "1234567890", "qwertyuiop", "letmein123"}
)


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer for every failure)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def check_password_strength(password: str, user: User | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field="new_password")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise DomainError("That password is too easy to guess.", field="new_password")
    if user is not None and user.email.split("@")[0] in lowered:
        raise DomainError("Do not use your e-mail name in the password.", field="new_password")


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise DomainError("The current password is not right.", field="current_password")
    check_password_strength(new, user)
    user.set_password(new)
    db.session.flush()
