"""Reading and changing program settings."""

from __future__ import annotations

import re
from typing import cast

from flask import current_app
from sqlalchemy import CursorResult, select, update

from conferences import timeutil
from conferences.dbutil import insert_ignoring_conflicts
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.program.models import (
    DEFAULT_THRESHOLD_PERCENT,
    ChangeCounter,
    FormSubmission,
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
    # No read: safe when several requests bump at once. One statement once the row
    # exists; the first bump creates it (a second creator's insert does nothing).
    increment = (
        update(ChangeCounter)
        .where(ChangeCounter.name == name)
        .values(value=ChangeCounter.value + 1)
    )
    if cast(CursorResult, db.session.execute(increment)).rowcount == 0:
        db.session.execute(insert_ignoring_conflicts(ChangeCounter).values(name=name, value=0))
        db.session.execute(increment)


def counter_value(name: str = SCHEDULE) -> int:
    value = db.session.scalar(select(ChangeCounter.value).where(ChangeCounter.name == name))
    return value or 0


# ---------------------------------------------------------------- one-time form keys

_FORM_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def claim_form_key(key: str | None, what: str) -> FormSubmission | None:
    """Claim a creating form's one-time key for this submission.

    None: go ahead and create (the key is now taken, in this transaction). Otherwise the
    earlier submission of the same form, whose ``result_url`` shows what it created. The
    key is checked in the database with one atomic insert, so a repeat sent to another
    server process, or at the same moment, finds it too (the insert waits for the other
    transaction). A missing or malformed key (a script, an old page) claims nothing.
    """
    if not key or not _FORM_KEY.fullmatch(key):
        return None
    inserted = db.session.execute(
        insert_ignoring_conflicts(FormSubmission)
        .values(key=key, what=what, result_url="", created_at=timeutil.now_utc())
        .returning(FormSubmission.key)  # rowcount is -1 here on PostgreSQL (psycopg)
    ).first()
    if inserted is not None:
        return None
    return db.session.get(FormSubmission, key, populate_existing=True)


def settle_form_key(key: str | None, result_url: str) -> None:
    """Record where the thing the form created can be seen (after creating it)."""
    if key and _FORM_KEY.fullmatch(key):
        db.session.execute(
            update(FormSubmission).where(FormSubmission.key == key).values(result_url=result_url)
        )
