"""The ``attendance`` change counter: moved by every change that attendance numbers depend on.

Reports cache their evaluation of the attendance rules keyed on this counter (a row of
``change_counters``, the mechanism the feeds' caches use for the schedule). Rather than
each service remembering to bump it, the database session notes every write to the
tables the rules read, whichever service made it and however (objects flushed, or an
``insert``/``update``/``delete`` statement), and bumps the counter once, in the same
transaction, just before it commits. So a committed change and the counter's move are
seen together by every process and host: a cache revalidated against the counter can
never serve numbers from before a change it has been told about.

What is watched: marks and check-ins (``attendance``), claims, excusals and the sessions
they list, recordings and their claims, the hybrid rules per year, sessions and series,
residents (the columns the rules and reports read: not sign-in bookkeeping), roles,
firms, tracks, rotations and blocks, the program settings and the yearly thresholds.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession

from conferences.attendance.hybrid import HybridYearRules
from conferences.attendance.models import (
    Attendance,
    AttendanceClaim,
    Excusal,
    ExcusalSession,
)
from conferences.attendance.recordings import RecordingClaim, SessionRecording
from conferences.people.models import Firm, Track, User, UserRole
from conferences.program.models import ProgramSettings, YearThreshold
from conferences.program.services import bump_counter, counter_value
from conferences.rotations.models import RotationAssignment, RotationType
from conferences.schedule.models import Series, Session

ATTENDANCE = "attendance"

WATCHED_TABLES = frozenset(
    model.__tablename__
    for model in (
        Attendance,
        AttendanceClaim,
        Excusal,
        ExcusalSession,
        SessionRecording,
        RecordingClaim,
        HybridYearRules,
        Session,
        Series,
        User,
        UserRole,
        Firm,
        Track,
        RotationType,
        RotationAssignment,
        ProgramSettings,
        YearThreshold,
    )
)
# A user's columns that attendance numbers and reports read (a sign-in, a password or a
# preference changes none of them).
USER_COLUMNS = frozenset(
    {"name", "email", "active", "start_year", "firm_id", "track_id", "graduates_on"}
)

_CHANGED = "attendance_changed"


def current_value() -> int:
    """The counter now (in the caller's transaction)."""
    return counter_value(ATTENDANCE)


def _table_of(obj) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None)


def _changes_numbers(session: OrmSession, obj, new_or_deleted: bool) -> bool:
    name = _table_of(obj)
    if name not in WATCHED_TABLES:
        return False
    if new_or_deleted:
        return True
    if name == User.__tablename__:
        attrs = inspect(obj).attrs
        return any(attrs[column].history.has_changes() for column in USER_COLUMNS)
    return session.is_modified(obj, include_collections=False)


@event.listens_for(OrmSession, "before_flush")
def _note_flushed(session: OrmSession, flush_context, instances) -> None:
    if session.info.get(_CHANGED):
        return
    if any(
        _changes_numbers(session, obj, True) for obj in chain(session.new, session.deleted)
    ) or any(_changes_numbers(session, obj, False) for obj in session.dirty):
        session.info[_CHANGED] = True


@event.listens_for(OrmSession, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED_TABLES:
        state.session.info[_CHANGED] = True


@event.listens_for(OrmSession, "before_commit")
def _bump_before_commit(session: OrmSession) -> None:
    """Bump once per transaction, last, so the counter's row is locked only while the
    transaction commits (many check-ins at once wait on each other only that long)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.pop(_CHANGED, False):
        bump_counter(ATTENDANCE)


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_when_done(session: OrmSession, transaction) -> None:
    """A transaction's notes end with it (committed: bumped above; rolled back: nothing
    happened). A savepoint rolled back keeps them: the changes around it may still commit,
    and bumping once too often costs only a recomputation."""
    if transaction.parent is None:
        session.info.pop(_CHANGED, None)
