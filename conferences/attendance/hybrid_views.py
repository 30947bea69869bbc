"""The program's hybrid attendance choices per academic year (admins)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import BooleanField, IntegerField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from conferences import timeutil
from conferences.attendance import hybrid
from conferences.audit.services import record
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.formutil import PageForm
from conferences.people.policy import permission_required

bp = Blueprint("hybrid", __name__)

FIELDS = ("remote_counts", "recording_counts", "recording_needs_approval", "recording_window_days")


class HybridRulesForm(PageForm):
    start_year = SelectField("Academic year", coerce=int)
    remote_counts = BooleanField("A remote check-in (by video) counts as attended")
    recording_counts = BooleanField("Watching the recording counts as attended")
    recording_needs_approval = BooleanField("A coordinator approves each watched-recording claim")
    recording_window_days = IntegerField(
        "Days after a session a resident may claim they watched the recording",
        validators=[InputRequired(), NumberRange(0, hybrid.MAX_RECORDING_WINDOW_DAYS)],
    )
    submit = SubmitField("Save")


def _years() -> list[int]:
    current = timeutil.current_academic_year()
    saved = set(db.session.scalars(db.select(hybrid.HybridYearRules.start_year)))
    return sorted({current - 1, current, current + 1} | saved)


def _form(**kwargs) -> HybridRulesForm:
    form = HybridRulesForm(**kwargs)
    form.start_year.choices = [SelectChoice(y, timeutil.academic_year_label(y)) for y in _years()]
    if not form.is_submitted():
        year = timeutil.current_academic_year()
        form.start_year.data = year
        row = hybrid.rules_for(year)
        for name in FIELDS:
            getattr(form, name).data = getattr(row, name)
    return form


def _page(form: HybridRulesForm, status: int = 200):
    years = [(y, timeutil.academic_year_label(y), hybrid.rules_for(y)) for y in _years()]
    return render_template("attendance/hybrid_settings.html", form=form, years=years), status


@bp.route("/settings/hybrid", methods=["GET", "POST"])
@permission_required("manage_settings")
def hybrid_settings():
    """Whether remote check-ins and watched recordings count, per academic year."""
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400 if form.is_submitted() else 200)
    year = form.start_year.data
    before = {name: getattr(hybrid.rules_for(year), name) for name in FIELDS}
    try:
        row = hybrid.set_rules(year, **{name: getattr(form, name).data for name in FIELDS})
    except DomainError as error:
        db.session.rollback()
        getattr(form, error.field or "recording_window_days").errors.append(error.message)
        return _page(form, 400)
    record(
        current_user,
        "hybrid_rules.set",
        row,
        before=before,
        after={name: getattr(row, name) for name in FIELDS},
    )
    db.session.commit()
    flash(f"Hybrid attendance rules for {timeutil.academic_year_label(year)} saved.", "success")
    return redirect(url_for("hybrid.hybrid_settings"), 303)
