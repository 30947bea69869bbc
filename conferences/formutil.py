"""Small helpers shared by the forms of every domain."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context
from flask_wtf import FlaskForm
from wtforms import DateField, Field, HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import ValidationError

from conferences import timeutil
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


def date_in_range(form, field) -> None:
    """Every date field takes only the program's dates (``timeutil.in_range``): a year
    like 9999 overflows day bounds and can never be shown or removed again."""
    if field.data is not None and not timeutil.in_range(field.data):
        raise ValidationError(timeutil.OUT_OF_RANGE)


class InputMeta(DefaultMeta):
    """Binds every free-text field with the one normalising rule of ``conferences.text``
    and every date field with the program's date range."""

    def bind_field(self, form, unbound_field, options):
        field_class = unbound_field.field_class
        chosen = text_filter(field_class)
        if chosen is not None:
            filters = unbound_field.kwargs.get("filters") or ()
            options = {**options, "filters": (chosen, *filters)}
        if isinstance(field_class, type) and issubclass(field_class, DateField):
            validators = unbound_field.kwargs.get("validators") or ()
            options = {**options, "validators": (*validators, date_in_range)}
        return super().bind_field(form, unbound_field, options)


class PageForm(FlaskForm):
    """The base of every form. A page may hold several forms (one per row, say), and ids
    must be unique in a page, so the CSRF token and the submit button render without one.
    Every text field is normalised and every date bounded on input (``InputMeta``)."""

    class Meta(InputMeta):
        def render_field(self, field, render_kw):
            if field.type in ("CSRFTokenField", "SubmitField") or field.name == "form_key":
                render_kw = {"id": False, **render_kw}
            return super().render_field(field, render_kw)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if has_request_context():
            g.setdefault("page_forms", []).append(self)


def page_problems() -> list[tuple[str | None, str, str]]:
    """Every problem shown on the forms of this request, as (field id, label, message),
    for the summary at the top of the page (``base.html``). Read when the page renders,
    so messages a view added after validating (a service's complaint) are included."""
    found: list[tuple[str | None, str, str]] = []
    for form in g.get("page_forms", ()):
        for message in form.form_errors:
            found.append((None, "", message))
        for field in form:
            messages = field.errors if isinstance(field.errors, list) else []
            for message in (m for m in messages if isinstance(m, str)):
                hidden = field.type in ("HiddenField", "CSRFTokenField")
                found.append((None if hidden else field.id, field.label.text, message))
    return found


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


class CreateOnceMixin:
    """A creating form: a one-time key, made when the form is shown and sent back with it,
    lets the server answer a repeated submission with what the first one created
    (``program.services.claim_form_key``)."""

    form_key = HiddenField(default=new_form_key)
