"""HTTP handlers for the bulk changes: cancel a day or a date range, move a series'
remaining sessions. Each shows what would change first; applying changes what was shown."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.formutil import show_error
from conferences.people.policy import permission_required
from conferences.program.services import get_settings
from conferences.schedule import bulk, conflicts, queries
from conferences.schedule.bulk_forms import CancelDaysForm, MoveRemainingForm

bp = Blueprint("bulk", __name__)


def _ids(items) -> str:
    return ",".join(str(item.id) for item in items)


@bp.route("/schedule/cancel-days", methods=["GET", "POST"])
@permission_required("manage_schedule")
def cancel_days():
    """Cancel every session of a day or a date range with one reason (a snow day)."""
    form = CancelDaysForm()
    if request.method == "GET":
        form.first_on.data = _date_arg("date") or timeutil.local_today()
        return render_template("schedule/cancel_days.html", form=form, sessions=None)
    sessions = None
    if form.validate_on_submit():
        try:
            if form.confirmed:
                cancelled = bulk.cancel_days(
                    form.first_on.data,
                    form.last_on.data,
                    form.reason.data,
                    current_user,
                    only_ids=form.shown_ids(),
                )
                db.session.commit()
                flash(
                    f"Cancelled {len(cancelled)} session(s). Everyone expected at those "
                    "starting soon is e-mailed now; calendars show it on their next refresh.",
                    "success",
                )
                first = form.first_on.data
                return redirect(
                    url_for("schedule.calendar", view="list", date=first.isoformat()), 303
                )
            sessions = bulk.plan_cancel_days(form.first_on.data, form.last_on.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            sessions = None
    status = 400 if _has_errors(form) else 200
    # The preview's button applies what it shows; the first step (again) only previews.
    form.session_ids.data = _ids(sessions) if sessions is not None else ""
    form.confirm.data = "1" if sessions is not None else ""
    return render_template(
        "schedule/cancel_days.html",
        form=form,
        sessions=sessions,
        alert_hours=get_settings().change_alert_hours,
    ), status


@bp.route("/series/<slug>/move-remaining", methods=["GET", "POST"])
@permission_required("manage_schedule")
def move_remaining(slug: str):
    """Move a series' sessions from a date onward to a new time or room."""
    series = queries.series_by_slug(slug)
    if series is None:
        abort(404)
    form = MoveRemainingForm()
    if request.method == "GET":
        form.from_on.data = max(timeutil.local_today(), series.starts_on)
        form.start_time.data, form.end_time.data = series.start_time, series.end_time
        form.room.data = series.room
        return render_template("schedule/move_remaining.html", form=form, series=series, plans=None)
    plans = None
    values = {}
    if form.validate_on_submit():
        values = {
            "start_time": form.start_time.data,
            "end_time": form.end_time.data,
            "room": form.room.data,
        }
        try:
            if form.confirmed:
                moved = bulk.move_series_from(
                    series, form.from_on.data, current_user, only_ids=form.shown_ids(), **values
                )
                db.session.commit()
                flash(f"Moved {len(moved)} session(s) of “{series.title}”.", "success")
                for warning in conflicts.conflict_warnings(moved):
                    flash(f"Check for a conflict: {warning}", "warning")
                return redirect(url_for("schedule.edit_series", slug=series.slug), 303)
            plans = bulk.plan_series_move(series, form.from_on.data, **values)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
            plans = None
    status = 400 if _has_errors(form) else 200
    # The preview's button applies what it shows; the first step (again) only previews.
    form.session_ids.data = _ids(plan.session for plan in plans) if plans is not None else ""
    form.confirm.data = "1" if plans is not None else ""
    return render_template(
        "schedule/move_remaining.html", form=form, series=series, plans=plans
    ), status


def _date_arg(name: str) -> date | None:
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if timeutil.in_range(day) else None


def _has_errors(form) -> bool:
    return bool(form.form_errors) or any(field.errors for field in form)
