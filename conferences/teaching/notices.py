"""What teaching's e-mails say about a session, and the coordinators they go to."""

from __future__ import annotations

from sqlalchemy import exists, select, true

from conferences import timeutil
from conferences.config import public_url
from conferences.extensions import db
from conferences.notifications import services as mail
from conferences.people.models import Role, User, UserRole
from conferences.schedule.models import Session


def session_url(session: Session) -> str:
    return public_url(f"/sessions/{session.public_id}")


def describe(session: Session) -> str:
    return f"{session.title}, {timeutil.format_local(session.starts_at)}" + (
        f", {session.room}" if session.room else ""
    )


def coordinators() -> list[User]:
    """Active program coordinators (they get the program's teaching notices)."""
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active == true(),
                exists().where(
                    UserRole.user_id == User.id, UserRole.role == Role.COORDINATOR.value
                ),
            )
            .order_by(User.name)
        )
    )


def notify_coordinators(subject: str, body: str, *, skip: User | None = None) -> None:
    for person in coordinators():
        if skip is not None and person.id == skip.id:
            continue
        mail.send(person, subject, body)
