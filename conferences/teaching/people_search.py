"""Finding a person to put in a teaching slot by a few letters of their name or e-mail.

The assign page's person picker asks this as the coordinator types (with 40+ faculty a
plain list runs over several screens). The same eligibility rule as ``eligible_users``.
"""

from __future__ import annotations

from sqlalchemy import exists, func, or_, select, true

from conferences.extensions import db
from conferences.people.models import User, UserRole
from conferences.teaching.eligibility import eligible_roles
from conferences.teaching.models import TeachingSlot

MAX_RESULTS = 20
MAX_QUERY = 100


def _pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def search_eligible(slot: TeachingSlot, query: str, limit: int = MAX_RESULTS) -> list[User]:
    """Active people who may hold ``slot`` whose name or e-mail contains every typed word
    (any case), by name; names that start with the first word come first."""
    words = " ".join((query or "")[:MAX_QUERY].split()).split(" ")
    words = [w for w in words if w]
    roles = [role.value for role in eligible_roles(slot.eligibility)]
    stmt = select(User).where(
        User.active == true(),
        exists().where(UserRole.user_id == User.id, UserRole.role.in_(roles)),
    )
    for word in words:
        pattern = _pattern(word)
        stmt = stmt.where(
            or_(
                func.lower(User.name).like(pattern, escape="\\"),
                func.lower(User.email).like(pattern, escape="\\"),
            )
        )
    people = list(db.session.scalars(stmt.order_by(User.name, User.id)))
    if words:
        first = words[0].lower()
        people.sort(key=lambda p: not any(n.startswith(first) for n in p.name.lower().split()))
    return people[:limit]
