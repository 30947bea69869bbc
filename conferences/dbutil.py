"""Small database helpers that differ by backend."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from conferences.extensions import db


def insert_ignoring_conflicts(model, index_elements: list[str] | None = None):
    """``INSERT ... ON CONFLICT DO NOTHING`` for the current backend (one atomic statement)."""
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(model).on_conflict_do_nothing(index_elements=index_elements)
