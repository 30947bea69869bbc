"""Small helpers shared by the forms of every domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wtforms import Field
from wtforms.fields.choices import SelectChoice

from conferences.errors import DomainError


def choices(pairs: Iterable[tuple[Any, str]]) -> list[SelectChoice]:
    """(value, label) pairs as the options of a select, radio or checkbox-list field."""
    return [SelectChoice(value, label) for value, label in pairs]


def show_error(form, error: DomainError, default: str | None = None) -> None:
    """Show a service's complaint next to the field it names (or `default`), else above the form."""
    target = getattr(form, error.field, None) if error.field else None
    if target is None and default:
        target = getattr(form, default, None)
    if isinstance(target, Field):
        target.errors = [*target.errors, error.message]
    else:
        form.form_errors.append(error.message)
