"""Hybrid attendance: the program's choices per academic year about taking part by video
and by watching the recording, and which ways of taking part count as attended.

``modes_attended`` is what ``rules.decide`` is given: the ``Mode`` values that count as
attended at a session of that academic year (the room always does). Years never set use
the defaults: remote counts, a watched recording does not, recording claims need a
coordinator's approval, and can be made up to 180 days after the session.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import CheckConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from conferences import timeutil
from conferences.attendance.models import Mode
from conferences.errors import DomainError
from conferences.extensions import db

DEFAULT_RECORDING_WINDOW_DAYS = 180
MAX_RECORDING_WINDOW_DAYS = 730


class HybridYearRules(db.Model):
    """The hybrid attendance choices for one academic year (1 July of ``start_year``)."""

    __tablename__ = "hybrid_year_rules"
    __table_args__ = (
        CheckConstraint(
            f"recording_window_days BETWEEN 0 AND {MAX_RECORDING_WINDOW_DAYS}",
            name="recording_window_range",
        ),
    )

    start_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    remote_counts: Mapped[bool] = mapped_column(default=True)
    recording_counts: Mapped[bool] = mapped_column(default=False)
    recording_needs_approval: Mapped[bool] = mapped_column(default=True)
    recording_window_days: Mapped[int] = mapped_column(default=DEFAULT_RECORDING_WINDOW_DAYS)

    @property
    def id(self) -> int:
        """The audit trail's object id: the academic year."""
        return self.start_year


def defaults(start_year: int) -> HybridYearRules:
    return HybridYearRules(
        start_year=start_year,
        remote_counts=True,
        recording_counts=False,
        recording_needs_approval=True,
        recording_window_days=DEFAULT_RECORDING_WINDOW_DAYS,
    )


def rules_for(start_year: int) -> HybridYearRules:
    """The year's choices (defaults, not saved, for a year never set)."""
    return db.session.get(HybridYearRules, start_year) or defaults(start_year)


def rules_on(day: date) -> HybridYearRules:
    return rules_for(timeutil.academic_year_of(day))


def set_rules(
    start_year: int,
    *,
    remote_counts: bool,
    recording_counts: bool,
    recording_needs_approval: bool,
    recording_window_days: int = DEFAULT_RECORDING_WINDOW_DAYS,
) -> HybridYearRules:
    """Save the year's choices (the caller commits)."""
    if not 0 <= recording_window_days <= MAX_RECORDING_WINDOW_DAYS:
        raise DomainError(
            f"The recording window must be 0 to {MAX_RECORDING_WINDOW_DAYS} days.",
            field="recording_window_days",
        )
    row = db.session.get(HybridYearRules, start_year)
    if row is None:
        row = HybridYearRules(start_year=start_year)
        db.session.add(row)
    row.remote_counts = bool(remote_counts)
    row.recording_counts = bool(recording_counts)
    row.recording_needs_approval = bool(recording_needs_approval)
    row.recording_window_days = int(recording_window_days)
    db.session.flush()
    return row


def modes_of(row: HybridYearRules) -> frozenset[str]:
    modes = {Mode.ROOM.value}
    if row.remote_counts:
        modes.add(Mode.REMOTE.value)
    if row.recording_counts:
        modes.add(Mode.RECORDING.value)
    return frozenset(modes)


def modes_attended(day: date) -> frozenset[str]:
    """The ways of taking part that count as attended at a session on local date ``day``."""
    return modes_of(rules_on(day))


def modes_by_year(years: Iterable[int]) -> dict[int, frozenset[str]]:
    """``modes_attended`` for several academic years in one query."""
    wanted = sorted(set(years))
    found = {
        row.start_year: row
        for row in db.session.scalars(
            select(HybridYearRules).where(HybridYearRules.start_year.in_(wanted))
        )
    }
    return {year: modes_of(found.get(year) or defaults(year)) for year in wanted}
