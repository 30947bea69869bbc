"""Signing in, passwords, and linking single sign-on identities to accounts."""

from __future__ import annotations

import logging
from functools import cache
from typing import NoReturn

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from conferences.audit.services import record
from conferences.auth import sessions
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.models import User, normalise_email
from conferences.people.passwords import check_password_strength

log = logging.getLogger("conferences.auth")


@cache
def _dummy_hash() -> str:
    """A hash made like real ones, checked when there is no real one, so an unknown account,
    an inactive one or one without a password takes as long to refuse as a wrong password."""
    return generate_password_hash("not a password of anyone")


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None (same answer, and the same work: one
    password-hash check, for every failure)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


class IdentityRefused(DomainError):
    """A single sign-on identity that may not sign in; ``reason`` is "unverified",
    "unknown", "inactive" or "conflict"; ``email`` the address the provider gave."""

    status_code = 403

    def __init__(self, reason: str, email: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.email = email


def link_identity(issuer: str, claims: dict, email_claim: str = "email") -> User:
    """The account this ID token's identity signs in as, linking it on first use.

    Accounts are never created here. The provider's subject, once stored on an account,
    finds it again even after an e-mail change. Otherwise the e-mail (``email_claim``) is
    matched case-insensitively to an account; with the standard ``email`` claim the provider
    must also say ``email_verified``. Other claims (``preferred_username``, ``upn``) are
    assigned by the organisation's directory and are taken as verified.
    """
    identity = f"{issuer} {claims['sub']}"
    email = normalise_email(str(claims.get(email_claim) or ""))
    user = db.session.scalar(select(User).where(User.oidc_identity == identity))
    if user is None:
        if not email:
            _refuse("unknown", email, f"The identity provider did not send {email_claim!r}.")
        if email_claim == "email" and claims.get("email_verified") is not True:
            _refuse(
                "unverified",
                email,
                f"The identity provider has not verified {email}. Ask your IT service desk"
                " to verify the address, then sign in again.",
            )
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            _refuse("unknown", email, f"No account for {email}. Ask your program coordinator.")
        if user.oidc_identity is not None and user.oidc_identity.split(" ")[0] == issuer:
            _refuse(
                "conflict",
                email,
                f"The account for {email} is linked to another identity at the provider."
                " Ask an administrator.",
            )
    if not user.active:
        _refuse(
            "inactive",
            user.email,
            f"The account for {user.email} is deactivated. Ask your program coordinator.",
        )
    if user.oidc_identity != identity:
        user.oidc_identity = identity
        record(None, "sso_linked", user, after={"identity": identity})
        db.session.flush()
    log.info("single sign-on: %s signed in as %s", identity, user.email)
    return user


def _refuse(reason: str, email: str, message: str) -> NoReturn:
    log.warning("single sign-on refused (%s) for %r", reason, email)
    raise IdentityRefused(reason, email, message)


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise DomainError("The current password is not right.", field="current_password")
    check_password_strength(new, user)
    user.set_password(new)
    db.session.flush()
    # Every session and remember-me cookie of this person ends, this browser's included
    # (the caller signs it in again with a new token).
    sessions.end_all(user)
