"""Who may hold which teaching slot, and the labels of slot roles and eligibilities."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import exists, select, true

from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.teaching.models import SLOT_ROLE_LABELS, Eligibility, SlotRole, TeachingSlot


def eligible_roles(eligibility: str) -> tuple[Role, ...]:
    if eligibility == Eligibility.RESIDENT.value:
        return (Role.RESIDENT,)
    if eligibility == Eligibility.BOTH.value:
        return (Role.FACULTY, Role.RESIDENT)
    return (Role.FACULTY,)


def is_eligible(user, slot: TeachingSlot) -> bool:
    """May ``user`` hold ``slot``, by role (faculty, resident or both)?"""
    return bool(user.active and user.has_role(*eligible_roles(slot.eligibility)))


def eligibilities_for(user) -> list[str]:
    """The slot eligibilities that let ``user`` hold a slot."""
    values = []
    if user.is_faculty:
        values.append(Eligibility.FACULTY.value)
    if user.is_resident:
        values.append(Eligibility.RESIDENT.value)
    if values:
        values.append(Eligibility.BOTH.value)
    return values


def users_with_roles(roles: Iterable[Role]) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active == true(),
                exists().where(
                    UserRole.user_id == User.id, UserRole.role.in_([r.value for r in roles])
                ),
            )
            .order_by(User.name)
        )
    )


def eligible_users(slot: TeachingSlot) -> list[User]:
    """Everyone a coordinator may assign to ``slot``."""
    return users_with_roles(eligible_roles(slot.eligibility))


def check_role(role: str, eligibility: str) -> None:
    if role not in {r.value for r in SlotRole}:
        raise DomainError(f"Unknown slot role: {role}.", field="role")
    if eligibility not in {e.value for e in Eligibility}:
        raise DomainError(f"Unknown eligibility: {eligibility}.", field="eligibility")


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, label) for role, label in SLOT_ROLE_LABELS.items()]


ELIGIBILITY_LABELS = {
    Eligibility.FACULTY.value: "Faculty",
    Eligibility.RESIDENT.value: "Residents",
    Eligibility.BOTH.value: "Faculty or residents",
}


def eligibility_choices() -> list[tuple[str, str]]:
    return list(ELIGIBILITY_LABELS.items())
