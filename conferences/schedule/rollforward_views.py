"""HTTP handlers for starting the next academic year: preview, then apply; undo."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.formutil import choices
from conferences.people.models import User
from conferences.people.policy import permission_required
from conferences.schedule import rollforward
from conferences.schedule.forms import ActionForm, RollForwardForm

bp = Blueprint("rollforward", __name__)


def _target_years() -> list[int]:
    current = timeutil.current_academic_year()
    return list(range(current, current + rollforward.YEARS_AHEAD + 1))


def _chosen_year() -> int:
    default = timeutil.current_academic_year() + 1
    raw = request.form.get("to_year") or request.args.get("to")
    try:
        year = rollforward.parse_year(raw) if raw else default
    except DomainError:
        abort(404)
    return year if year in _target_years() else default


def _blackouts(form: RollForwardForm) -> list[rollforward.Blackout]:
    """The blackout rows the coordinator kept, with the dates as typed."""
    kept = []
    for row in form.blackouts:
        if not row.include.data:
            continue
        name, first, last = row.form.name.data, row.form.starts_on.data, row.form.ends_on.data
        if not name or first is None:
            raise DomainError("Each blackout you keep needs a name and a first day.")
        kept.append(rollforward.Blackout(name, first, last or first))
    return kept


@bp.route("/schedule/roll-forward", methods=["GET", "POST"])
@permission_required("manage_schedule")
def page():
    """Preview carrying the series into the next academic year; apply it; undo the last."""
    year = _chosen_year()
    from_year = year - 1
    form = RollForwardForm()
    eligible = rollforward.eligible_series(from_year, year)
    form.series.choices = choices((s.slug, s.title) for s in eligible)
    plan = None
    if request.method == "GET":
        form.to_year.data = str(year)
        form.series.data = [s.slug for s in eligible]
        for proposal in rollforward.proposed_blackouts(from_year, year):
            form.blackouts.append_entry(
                {
                    "include": True,
                    "name": proposal.name,
                    "starts_on": proposal.starts_on,
                    "ends_on": proposal.ends_on,
                }
            )
    elif form.validate_on_submit():
        try:
            if eligible and not form.series.data:
                raise DomainError("Choose at least one series to carry.", field="series")
            options = {
                "slugs": form.series.data or None,
                "blackouts": _blackouts(form),
                "threshold": form.threshold.data,
            }
            if form.apply.data:
                result = rollforward.apply(year, current_user, **options)
                db.session.commit()
                flash(result.summary(), "success" if result.rollover else "info")
                return redirect(url_for("rollforward.page", to=year), code=303)
            plan = rollforward.preview(year, **options)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
    if plan is None:
        try:
            plan = rollforward.preview(
                year,
                slugs=form.series.data or None,
                blackouts=None if request.method == "GET" else _safe_blackouts(form),
                threshold=form.threshold.data if request.method == "POST" else None,
            )
        except DomainError as error:
            flash(error.message, "danger")
    if plan is not None and form.threshold.data is None:
        form.threshold.data = plan.threshold
    last = rollforward.last_rollover()
    return render_template(
        "schedule/roll_forward.html",
        form=form,
        plan=plan,
        year=year,
        years=[(y, timeutil.academic_year_label(y)) for y in _target_years()],
        year_label=timeutil.academic_year_label(year),
        from_label=timeutil.academic_year_label(from_year),
        last=last,
        last_by=db.session.get(User, last.created_by_id) if last and last.created_by_id else None,
        last_label=timeutil.academic_year_label(last.to_year) if last else "",
        undo_blockers=rollforward.undo_blockers(last) if last else [],
        action_form=ActionForm(),
    )


def _safe_blackouts(form: RollForwardForm) -> list[rollforward.Blackout]:
    try:
        return _blackouts(form)
    except DomainError:
        return []


@bp.post("/schedule/roll-forward/undo")
@permission_required("manage_schedule")
def undo():
    """Undo the most recent roll-forward while none of its sessions has records."""
    if not ActionForm().validate_on_submit():
        abort(400)
    rollover = rollforward.last_rollover()
    if rollover is None:
        abort(404)
    try:
        removed = rollforward.undo(rollover, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(
            f"Undone: removed {removed} session(s) of "
            f"{timeutil.academic_year_label(rollover.to_year)} and the holidays it added.",
            "success",
        )
    return redirect(url_for("rollforward.page", to=rollover.to_year), code=303)
