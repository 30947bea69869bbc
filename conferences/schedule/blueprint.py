"""The schedule's blueprint, its template filters, and what its pages share: loading a
session or series from the URL (404 otherwise), reading a date argument, showing a
refusal on a form, warning of conflicts, and answering a repeated creating form.

The pages themselves add their routes to ``bp`` from ``calendar_views``,
``session_views``, ``series_views``, ``holiday_views`` and ``import_views``;
``create_app`` imports them all before registering ``bp``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, flash, has_request_context, redirect, request, url_for

from conferences import timeutil
from conferences.errors import ConfirmationNeeded, DomainError, TimeChoiceNeeded
from conferences.extensions import db
from conferences.formutil import choices, show_error
from conferences.program.services import claim_form_key
from conferences.schedule import conflicts, queries
from conferences.schedule.audience import describe_audience
from conferences.schedule.models import Series, Session
from conferences.schedule.recurrence import Rule

bp = Blueprint("schedule", __name__)


@bp.app_template_filter("audience_words")
def audience_words(audience) -> str:
    """``describe_audience``, worked out once per distinct audience in a request (a month
    of the schedule names the same twenty audiences hundreds of times)."""
    if not isinstance(audience, dict) or not has_request_context():
        return describe_audience(audience)
    said = request.environ.setdefault("conferences.audience_words", {})  # this request only
    key = json.dumps(audience, sort_keys=True)
    words = said.get(key)
    if words is None:
        words = said[key] = describe_audience(audience)
    return words


@bp.app_template_filter("rule_words")
def rule_words(series: Series) -> str:
    return Rule.from_series(series).describe()


# ---------------------------------------------------------------- helpers for the pages


def load_session(public_id: str):
    session = queries.get_session_by_public_id(public_id)
    if session is None:
        abort(404)
    return session


def load_series(slug: str) -> Series:
    series = queries.series_by_slug(slug)
    if series is None:
        abort(404)
    return series


def date_arg(name: str, default: date | None = None) -> date | None:
    value = request.args.get(name, "")
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    if day is not None and not timeutil.in_range(day):
        return default  # a calendar URL far outside the program's dates: no overflow
    return day


def show_problems(form, problems: list[tuple[str, str]]) -> None:
    for name, message in problems:
        show_error(form, DomainError(message, field=name))


def flash_warnings(sessions) -> None:
    for warning in conflicts.conflict_warnings(sessions):
        flash(f"Check for a conflict: {warning}", "warning")


def see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), 303)


def offer_choices(form, error: DomainError) -> None:
    """A typed time that happens twice: offer both readings on the form."""
    if isinstance(error, TimeChoiceNeeded):
        form.repeated_time.choices = choices(error.choices)


def already_created(form, what: str, done: str = "created"):
    """The answer to a repeat of a creating form (double click, Back and send again):
    what the first submission made, never a twin. None when this is the first."""
    earlier = claim_form_key(form.form_key.data, what)
    if earlier is None:
        return None
    db.session.rollback()
    flash(f"This {what} was already {done}.", "info")
    return redirect(earlier.result_url or url_for("schedule.calendar"), 303)


@dataclass
class Saved:
    """What a session form's change did: the page to go to, the message and the sessions
    to check for conflicts."""

    session: Session
    message: str
    changed: list[Session] = field(default_factory=list)
    category: str = "success"


def save_session_form(form, save: Callable[[], Saved]):
    """The common end of the forms that add and edit a session. ``save`` calls the
    service. When it refuses (a DomainError), roll back and show why on the form, offering
    both readings of a repeated wall time, or, when it asks for a second look
    (ConfirmationNeeded), the warnings with "Save anyway"; then None, so the page shows
    again. Otherwise commit, say what was done, warn of conflicts and go to the session's
    page."""
    try:
        saved = save()
    except ConfirmationNeeded as question:
        db.session.rollback()
        form.ask_to_confirm(question.warnings, question.token)
        return None
    except DomainError as error:
        db.session.rollback()
        offer_choices(form, error)
        show_error(form, error)
        return None
    db.session.commit()
    flash(saved.message, saved.category)
    flash_warnings(saved.changed)
    return see_other("schedule.view_session", public_id=saved.session.public_id)
