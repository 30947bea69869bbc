"""How strong a password must be: one rule for the account pages and for signing in.

Accounts belong to people, so the rule lives here; the sign-in pages (``auth``) use it too.
"""

from __future__ import annotations

from conferences.errors import DomainError
from conferences.people.models import User

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = frozenset(
    {"password", "password1", "password123", "1234567890", "qwertyuiop", "letmein123"}
)


def check_password_strength(password: str, user: User | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field="new_password")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise DomainError("That password is too easy to guess.", field="new_password")
    if user is not None and user.email.split("@")[0] in lowered:
        raise DomainError("Do not use your e-mail name in the password.", field="new_password")
