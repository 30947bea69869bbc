"""Small helpers shared by the forms of every domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta

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


class PageForm(FlaskForm):
    """The base of every form. A page may hold several forms (one per row, say), and ids
    must be unique in a page, so the CSRF token and the submit button render without one."""

    class Meta(DefaultMeta):
        def render_field(self, field, render_kw):
            if field.type in ("CSRFTokenField", "SubmitField"):
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)
