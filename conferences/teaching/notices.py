"""What teaching's e-mails say about a session, and the coordinators they go to."""

from __future__ import annotations

from conferences import timeutil
from conferences.config import public_url
from conferences.notifications import services as mail
from conferences.people.models import Role, User
from conferences.schedule.models import Session
from conferences.schedule.video import video_line
from conferences.teaching.eligibility import users_with_roles


def session_url(session: Session) -> str:
    return public_url(f"/sessions/{session.public_id}")


def describe(session: Session) -> str:
    return f"{session.title}, {timeutil.format_local(session.starts_at)}" + (
        f", {session.room}" if session.room else ""
    )


def join_line(session: Session) -> str:
    """ "Join by video: <link>" and a line break, for an e-mail that gives the details of
    a session the person takes part in (the session's own link, else its series'); empty
    when it has none or is cancelled. E-mails go to signed-up people only."""
    url = "" if session.is_cancelled else session.effective_video_url
    return video_line(url) + "\n" if url else ""


def coordinators() -> list[User]:
    """Active program coordinators (they get the program's teaching notices)."""
    return users_with_roles([Role.COORDINATOR])


def notify_coordinators(subject: str, body: str, *, skip: User | None = None) -> None:
    for person in coordinators():
        if skip is not None and person.id == skip.id:
            continue
        mail.send(person, subject, body)
