"""Fixtures for the people domain: one account per role, and signing in as one."""

from __future__ import annotations

from functools import cache

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import Role, User
from tests.factories import PASSWORD

ROLES = ("resident", "faculty", "coordinator", "admin")


@cache
def password_hash() -> str:
    """The test password, hashed once (hashing is deliberately slow)."""
    return generate_password_hash(PASSWORD)


@pytest.fixture
def quick_user(app_ctx):
    """``quick_user(email, *roles, **columns)``: a user with the test password, fast."""

    def make(email: str, *roles: str, **columns) -> User:
        columns.setdefault("name", email.split("@")[0].replace(".", " ").title())
        user = User(email=email, password_hash=password_hash(), **columns)
        user.set_roles({Role(r) for r in roles})
        db.session.add(user)
        db.session.flush()
        return user

    return make


@pytest.fixture
def accounts(quick_user):
    """One active account per role, committed; keyed by role name."""
    year = timeutil.current_academic_year()
    users = {
        "resident": quick_user("resident@example.test", "resident", start_year=year),
        "faculty": quick_user("faculty@example.test", "faculty"),
        "coordinator": quick_user("coordinator@example.test", "coordinator"),
        "admin": quick_user("admin@example.test", "admin", name="Ada Admin"),
    }
    db.session.commit()
    return users


@pytest.fixture
def admin_client(client, auth, accounts):
    """A test client signed in as the admin."""
    assert auth.login(accounts["admin"].email).status_code == 302
    return client


def count_rows(*models) -> dict[str, int]:
    """Rows per table, to prove that a rejected change wrote nothing."""
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models}
