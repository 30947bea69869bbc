"""Small helpers shared by the forms of every domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta

from conferences.errors import DomainError
from conferences.text import multi_line, one_line


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


def text_filter(field_class: type) -> Any:
    """The normalising filter for a kind of field (``conferences.text``), or None:
    a text area keeps its line breaks, any other text input is one line; passwords and
    hidden fields (a previewed file carried to the next step) are left as typed."""
    if not isinstance(field_class, type) or not issubclass(field_class, StringField):
        return None
    if issubclass(field_class, (PasswordField, HiddenField)):
        return None
    return multi_line if issubclass(field_class, TextAreaField) else one_line


class TextMeta(DefaultMeta):
    """Binds every free-text field with the one normalising rule of ``conferences.text``."""

    def bind_field(self, form, unbound_field, options):
        chosen = text_filter(unbound_field.field_class)
        if chosen is not None:
            filters = unbound_field.kwargs.get("filters") or ()
            options = {**options, "filters": (chosen, *filters)}
        return super().bind_field(form, unbound_field, options)


class PageForm(FlaskForm):
    """The base of every form. A page may hold several forms (one per row, say), and ids
    must be unique in a page, so the CSRF token and the submit button render without one.
    Every text field is normalised on input (``TextMeta``)."""

    class Meta(TextMeta):
        def render_field(self, field, render_kw):
            if field.type in ("CSRFTokenField", "SubmitField"):
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)
