"""Deleting sessions and series, which waits until nothing depends on them.

The schedule does not know what the domains above it record against a session: it asks
them through ``signals.session_dependents`` (answered by attendance and teaching).
Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import select

from conferences import timeutil
from conferences.dbutil import insert_ignoring_conflicts
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.program.services import bump_counter
from conferences.schedule import signals
from conferences.schedule.conflicts import MAX_CONFLICT_MESSAGES
from conferences.schedule.models import Series, SeriesRemovedDate, Session
from conferences.schedule.queries import local_start_text


def dependencies(session_ids: Iterable[int]) -> dict[int, list[str]]:
    """What other domains recorded against these sessions (read-only): id -> descriptions,
    as the receivers of ``signals.session_dependents`` answer."""
    ids = list(session_ids)
    found: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return found
    for _receiver, answer in signals.session_dependents.send(None, session_ids=ids):
        for session_id, descriptions in (answer or {}).items():
            found[session_id].extend(descriptions)
    return found


def delete_session(session: Session, actor) -> None:
    """Delete a session that nothing depends on (otherwise cancel it)."""
    found = dependencies([session.id]).get(session.id)
    if found:
        raise DomainError(f"This session has {', '.join(found)}; cancel it instead of deleting it.")
    signals.session_changed.send(session, change="deleted", actor=actor)
    if session.series_id is not None and session.occurrence_on is not None:
        # Remember the date, or generating the series again would bring the session back.
        db.session.execute(
            insert_ignoring_conflicts(SeriesRemovedDate).values(
                series_id=session.series_id,
                day=session.occurrence_on,
                removed_at=timeutil.now_utc(),
                removed_by_id=getattr(actor, "id", None),
            )
        )
    db.session.delete(session)
    db.session.flush()
    bump_counter()


def series_delete_blockers(series: Series) -> list[str]:
    """The series' sessions that something depends on (attendance, claims, filled slots,
    feedback), one line each; deleting the series waits until there are none."""
    sessions = list(
        db.session.scalars(
            select(Session).where(Session.series_id == series.id).order_by(Session.starts_at)
        )
    )
    found = dependencies(s.id for s in sessions)
    return [f"{local_start_text(s)}: {', '.join(found[s.id])}" for s in sessions if s.id in found]


def delete_series(series: Series, actor) -> int:
    """Delete a series with its generated sessions, when nothing depends on any of them
    (as for one session: otherwise cancel). Returns how many sessions went."""
    blockers = series_delete_blockers(series)
    if blockers:
        shown = "; ".join(blockers[:MAX_CONFLICT_MESSAGES])
        more = len(blockers) - MAX_CONFLICT_MESSAGES
        if more > 0:
            shown += f"; and {more} more"
        raise DomainError(
            f"{len(blockers)} session(s) of this series have records, so it cannot be "
            f"deleted: {shown}. Cancel those sessions instead."
        )
    sessions = list(db.session.scalars(select(Session).where(Session.series_id == series.id)))
    for session in sessions:
        signals.session_changed.send(session, change="deleted", actor=actor)
        db.session.delete(session)
    db.session.flush()
    db.session.delete(series)
    db.session.flush()
    bump_counter()
    return len(sessions)
