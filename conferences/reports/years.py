"""The academic years a report can be asked for: the picker above every report."""

from __future__ import annotations

from sqlalchemy import func, select

from conferences import timeutil
from conferences.extensions import db
from conferences.schedule.models import Session


def academic_years() -> list[int]:
    """From the academic year of the first session to the next one (newest first)."""
    current = timeutil.current_academic_year()
    first = db.session.scalar(select(func.min(Session.starts_at)))
    oldest = timeutil.academic_year_of(timeutil.local_date(first)) if first else current
    return list(range(current + 1, min(oldest, current) - 1, -1))


def read_year(value: str | None) -> int | None:
    """An academic year from a query string ("2026", "2026-2027", "2026–27"), or None."""
    text = (value or "").strip().replace("–", "-")
    head, _, tail = text.partition("-")
    if len(head) != 4 or not head.isdigit():
        return None
    year = int(head)
    if tail and tail not in (str(year + 1), f"{(year + 1) % 100:02d}"):
        return None
    if not timeutil.FIRST_DAY.year <= year < timeutil.LAST_DAY.year:
        return None
    return year
