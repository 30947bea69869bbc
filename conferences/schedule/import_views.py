"""The schedule import pages: upload and preview a CSV, apply it, undo the last import."""

from __future__ import annotations

from flask import abort, flash, render_template, url_for
from flask_login import current_user

from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.people.policy import permission_required
from conferences.program.services import settle_form_key
from conferences.schedule import importer
from conferences.schedule.blueprint import already_created, bp, flash_warnings, see_other
from conferences.schedule.forms import ActionForm, ApplyImportForm, ImportForm
from conferences.schedule.models import KIND_LABELS, Kind, ScheduleImport


@bp.route("/schedule/import", methods=["GET", "POST"])
@permission_required("manage_schedule")
def import_schedule():
    """Upload a schedule CSV and preview it; nothing is saved until applied."""
    form = ImportForm()
    parsed = None
    apply_form = None
    if form.validate_on_submit():
        raw = form.file.data.read(importer.MAX_BYTES + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [*form.file.errors, "Save the file as UTF-8 CSV."]
        else:
            parsed = importer.parse(text)
            if not parsed.errors:
                apply_form = ApplyImportForm(
                    csv_text=text, filename=form.file.data.filename or "schedule.csv"
                )
    latest = importer.last_import()
    return render_template(
        "schedule/import.html",
        form=form,
        parsed=parsed,
        apply_form=apply_form,
        latest=latest,
        blockers=importer.undo_blockers(latest) if latest else [],
        action_form=ActionForm(),
        columns=importer.COLUMNS,
        audience_help=importer.AUDIENCE_HELP,
        kinds=[(k.value, KIND_LABELS[k]) for k in Kind],
    )


@bp.post("/schedule/import/apply")
@permission_required("manage_schedule")
def apply_import():
    """Create every session of the previewed file, or none."""
    form = ApplyImportForm()
    if not form.validate_on_submit():
        abort(400)
    if (repeat := already_created(form, "import", "applied")) is not None:
        return repeat
    try:
        record, created = importer.apply(form.csv_text.data, form.filename.data, current_user)
    except ImportErrors as error:
        db.session.rollback()
        flash(
            f"{error.message} First problem: line {error.errors[0][0]}: {error.errors[0][1]}",
            "danger",
        )
        return see_other("schedule.import_schedule")
    settle_form_key(form.form_key.data, url_for("schedule.import_schedule"))
    db.session.commit()
    flash(f"Imported {len(created)} session(s) from {record.filename}.", "success")
    flash_warnings(created)
    return see_other("schedule.import_schedule")


@bp.post("/schedule/import/<int:import_id>/undo")
@permission_required("manage_schedule")
def undo_import(import_id: int):
    """Remove the sessions of the last import, while nothing depends on them."""
    record = db.get_or_404(ScheduleImport, import_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        removed = importer.undo(record, current_user)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"Undid the import: removed {removed} session(s).", "success")
    return see_other("schedule.import_schedule")
