"""The holiday calendar pages: a year's holidays and blackout ranges, adding the federal
holidays, removing one."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.formutil import show_error
from conferences.people.policy import permission_required
from conferences.program.services import settle_form_key
from conferences.schedule import holidays as holiday_service
from conferences.schedule import queries
from conferences.schedule.blueprint import already_created, bp, see_other
from conferences.schedule.forms import ActionForm, HolidayForm, PrefillForm
from conferences.schedule.models import Holiday


@bp.route("/holidays", methods=["GET", "POST"])
@permission_required("manage_schedule")
def holidays():
    """The holiday calendar of an academic year: add days and blackout ranges."""
    year = request.args.get("year", timeutil.current_academic_year(), type=int)
    if not timeutil.FIRST_DAY.year <= year < timeutil.LAST_DAY.year:
        year = timeutil.current_academic_year()
    first, last = timeutil.academic_year_bounds(year)
    form = HolidayForm()
    if form.validate_on_submit():
        if (repeat := already_created(form, "holiday")) is not None:
            return repeat
        try:
            holiday = holiday_service.add_holiday(
                form.name.data, form.starts_on.data, form.ends_on.data
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            settle_form_key(
                form.form_key.data,
                url_for("schedule.holidays", year=timeutil.academic_year_of(holiday.starts_on)),
            )
            db.session.commit()
            flash(f"Added {holiday.name}.", "success")
            return see_other("schedule.holidays", year=timeutil.academic_year_of(holiday.starts_on))
    prefill = PrefillForm(year=year)
    return render_template(
        "schedule/holidays.html",
        form=form,
        prefill_form=prefill,
        action_form=ActionForm(),
        year=year,
        year_label=timeutil.academic_year_label(year),
        rows=holiday_service.holidays_between(first, last),
    )


@bp.post("/holidays/prefill")
@permission_required("manage_schedule")
def prefill_holidays():
    """Add the US federal holidays of an academic year."""
    form = PrefillForm()
    if not form.validate_on_submit():
        abort(400)
    added = holiday_service.prefill_federal_holidays(form.year.data)
    db.session.commit()
    flash(f"Added {added} federal holiday(s).", "success")
    if form.series.data and queries.series_by_slug(form.series.data) is not None:
        return see_other("schedule.edit_series", slug=form.series.data)
    return see_other("schedule.holidays", year=form.year.data)


@bp.post("/holidays/<int:holiday_id>/delete")
@permission_required("manage_schedule")
def delete_holiday(holiday_id: int):
    """Remove a holiday (sessions already generated stay as they are)."""
    holiday = db.get_or_404(Holiday, holiday_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    year = timeutil.academic_year_of(holiday.starts_on)
    holiday_service.delete_holiday(holiday)
    db.session.commit()
    flash("Removed the holiday.", "success")
    return see_other("schedule.holidays", year=year)
