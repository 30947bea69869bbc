"""The series pages: the list, new and edit (with generating its sessions), delete, and
bringing back a deleted date."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.policy import permission_required
from conferences.program.services import settle_form_key
from conferences.schedule import deletion, holidays, queries, series_changes, validation
from conferences.schedule.blueprint import (
    already_created,
    bp,
    flash_warnings,
    load_series,
    see_other,
    show_problems,
)
from conferences.schedule.forms import ActionForm, SeriesForm


@bp.get("/series")
@permission_required("manage_schedule")
def list_series():
    """Every series with its rule and session counts."""
    return render_template(
        "schedule/series_list.html",
        series_list=queries.all_series(),
        counts=queries.session_counts(),
    )


def _default_dates() -> tuple[date, date]:
    """A new series starts on the next weekday (never in the past) and runs to the end of
    that academic year."""
    first = timeutil.local_today() + timedelta(days=1)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    return first, timeutil.academic_year_bounds(timeutil.academic_year_of(first))[1]


@bp.route("/series/new", methods=["GET", "POST"])
@permission_required("manage_schedule")
def new_series():
    """Create a series; its sessions are generated on the next page."""
    form = SeriesForm()
    form.load_audience_choices()
    if request.method == "GET":
        form.starts_on.data, form.ends_on.data = _default_dates()
        form.weekdays.data = [0, 1, 2, 3, 4]
        form.required.data = True
    if form.validate_on_submit():
        values = form.series_values()
        problems = validation.series_problems(values, confirm_past=form.confirm_past.data)
        if problems:
            show_problems(form, problems)
        elif (repeat := already_created(form, "series")) is not None:
            return repeat
        else:
            series = series_changes.create_series(
                values, current_user, confirm_past=form.confirm_past.data
            )
            settle_form_key(form.form_key.data, url_for("schedule.edit_series", slug=series.slug))
            db.session.commit()
            flash(f"Created the series “{series.title}”. Now generate its sessions.", "success")
            return see_other("schedule.edit_series", slug=series.slug)
    return render_template("schedule/series_form.html", form=form, series=None, plan=None)


@bp.route("/series/<slug>", methods=["GET", "POST"])
@permission_required("manage_schedule")
def edit_series(slug: str):
    """Edit a series (and choose which sessions follow); generate its sessions."""
    series = load_series(slug)
    form = SeriesForm()
    form.load_audience_choices()
    if request.method == "GET":
        form.fill_from(series)
    if form.validate_on_submit():
        values = form.series_values()
        problems = validation.series_problems(
            values, confirm_past=form.confirm_past.data, series=series
        )
        if problems:
            show_problems(form, problems)
        else:
            changed = series_changes.update_series(
                series,
                values,
                current_user,
                scope=form.scope.data,
                confirm_past=form.confirm_past.data,
            )
            db.session.commit()
            flash(f"Saved the series; {len(changed)} session(s) updated.", "success")
            flash_warnings(changed)
            return see_other("schedule.edit_series", slug=series.slug)
    plan = None
    try:
        plan = series_changes.plan_generation(series, check_conflicts=True)
    except DomainError as error:
        flash(error.message, "warning")
    return render_template(
        "schedule/series_form.html",
        form=form,
        series=series,
        plan=plan,
        bare_years=holidays.years_without_holidays(plan.new) if plan else [],
        action_form=ActionForm(),
        counts=queries.session_counts().get(series.id, (0, 0)),
        delete_blockers=deletion.series_delete_blockers(series),
    )


@bp.post("/series/<slug>/delete")
@permission_required("manage_schedule")
def delete_series(slug: str):
    """Delete a series with its sessions, when nothing depends on them."""
    series = load_series(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    title = series.title
    try:
        removed = deletion.delete_series(series, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return see_other("schedule.edit_series", slug=slug)
    db.session.commit()
    flash(f"Deleted the series “{title}” and its {removed} session(s).", "success")
    return see_other("schedule.list_series")


@bp.post("/series/<slug>/generate")
@permission_required("manage_schedule")
def generate_series(slug: str):
    """Create the series' missing sessions, skipping holidays."""
    series = load_series(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = series_changes.generate_sessions(series, current_user)
    except DomainError as error:
        flash(error.message, "danger")
        return see_other("schedule.edit_series", slug=slug)
    db.session.commit()
    flash(result.summary(), "success")
    flash_warnings(result.created)
    return see_other("schedule.edit_series", slug=slug)


@bp.post("/series/<slug>/removed-dates/<day>/restore")
@permission_required("manage_schedule")
def restore_series_date(slug: str, day: str):
    """Let generating create a deleted date of the series again."""
    series = load_series(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not series_changes.restore_removed_date(series, chosen, current_user):
        abort(404)
    db.session.commit()
    flash(
        f"{chosen.strftime('%a %d %b %Y')} will be created the next time you generate.",
        "success",
    )
    return see_other("schedule.edit_series", slug=slug)
