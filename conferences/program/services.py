"""Reading and changing program settings."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select, update

from conferences.dbutil import insert_ignoring_conflicts
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.program.models import (
    DEFAULT_THRESHOLD_PERCENT,
    ChangeCounter,
    ProgramSettings,
    YearThreshold,
)


def get_settings() -> ProgramSettings:
    """The program's settings row, created with defaults on first use."""
    settings = db.session.get(ProgramSettings, 1)
    if settings is None:
        settings = ProgramSettings(id=1, name=current_app.config["PROGRAM_NAME"])
        db.session.add(settings)
        db.session.flush()
    return settings


def threshold_for(start_year: int) -> int:
    """Threshold percent for an academic year; years never set use the default."""
    row = db.session.get(YearThreshold, start_year)
    return row.percent if row is not None else DEFAULT_THRESHOLD_PERCENT


def set_threshold(start_year: int, percent: int) -> YearThreshold:
    if not 0 <= percent <= 100:
        raise DomainError("The threshold must be between 0 and 100 %.", field="percent")
    row = db.session.get(YearThreshold, start_year)
    if row is None:
        row = YearThreshold(start_year=start_year, percent=percent)
        db.session.add(row)
    else:
        row.percent = percent
    db.session.flush()
    return row


SCHEDULE = "schedule"


def bump_counter(name: str = SCHEDULE) -> None:
    """Record that something a cache depends on changed (call after the change)."""
    # Two statements, no read: safe when several requests bump at once.
    db.session.execute(insert_ignoring_conflicts(ChangeCounter).values(name=name, value=0))
    db.session.execute(
        update(ChangeCounter)
        .where(ChangeCounter.name == name)
        .values(value=ChangeCounter.value + 1)
    )


def counter_value(name: str = SCHEDULE) -> int:
    value = db.session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == name))
    return value or 0
