"""Small database helpers that differ by backend."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite

from conferences.extensions import db


def insert_ignoring_conflicts(model, index_elements: list[str] | None = None):
    """``INSERT ... ON CONFLICT DO NOTHING`` for the current backend (one atomic statement)."""
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model).on_conflict_do_nothing(index_elements=index_elements)


# Integer primary keys are 32-bit on PostgreSQL; a larger number cannot name a row.
MAX_ID = 2**31 - 1


def parse_id(value: str) -> int | None:
    """A row id typed or posted as text: ASCII digits within the key range, else None."""
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


# Further than any list goes; a larger page would overflow the OFFSET.
MAX_PAGE = 100_000


def page_number(value: str | None) -> int:
    """A ``?page=`` value: a whole number from 1 to MAX_PAGE, else page 1."""
    return min(parse_id(value or "") or 1, MAX_PAGE)


def real_ids(values) -> list[int]:
    """Keep only numbers that can be row ids (others cannot match anything)."""
    return [v for v in values if isinstance(v, int) and 0 < v <= MAX_ID]


def count_by(column, ids: list[int], *conditions) -> dict[int, int]:
    """How many rows have each of ``ids`` in ``column`` (and meet ``conditions``), in one
    query; ids with no rows are left out."""
    stmt = select(column, func.count()).where(column.in_(ids), *conditions).group_by(column)
    return dict(db.session.execute(stmt).all())
