"""HTTP handlers for the rotations domain: rotation types, block schedules, import."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from conferences import timeutil
from conferences.dbutil import parse_id
from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.formutil import choices, show_error
from conferences.people.models import User
from conferences.people.policy import authorize, can, permission_required
from conferences.rotations import services
from conferences.rotations.forms import (
    BlockForm,
    ConfirmForm,
    ImportBlocksForm,
    RotationTypeForm,
)
from conferences.rotations.models import RotationAssignment, RotationType

bp = Blueprint("rotations", __name__)

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def _see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=303)


def _week_arg() -> date:
    value = request.args.get("week", "")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return timeutil.local_today()
    return day if timeutil.in_range(day) else timeutil.local_today()


def _index_page(type_form=None, import_form=None, status=200):
    day = _week_arg()
    monday, sunday = services.week_of(day)
    weeks, unplaced = services.where_is_everyone(day)
    return (
        render_template(
            "rotations/index.html",
            types=services.rotation_types(),
            type_form=type_form or RotationTypeForm(formdata=None),
            import_form=import_form or ImportBlocksForm(formdata=None),
            delete_form=ConfirmForm(formdata=None),
            weeks=weeks,
            unplaced=unplaced,
            monday=monday,
            sunday=sunday,
            previous_week=monday - timedelta(days=7),
            next_week=monday + timedelta(days=7),
            residents=services.residents(),
            setting_label=services.setting_label,
        ),
        status,
    )


@bp.get("/rotations")
@permission_required("manage_rotations")
def index():
    """Rotation types, the import, and where everyone is in a chosen week."""
    return _index_page()


@bp.post("/rotations/types")
@permission_required("manage_rotations")
def create_type():
    """Add a rotation type."""
    form = RotationTypeForm()
    if form.validate_on_submit():
        try:
            rotation = services.create_rotation_type(
                form.name.data, form.setting.data, form.excuses.data, actor=current_user
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Rotation “{rotation.name}” added.", "success")
            return _see_other("rotations.index")
    return _index_page(type_form=form, status=400)


@bp.route("/rotations/types/<int:type_id>/edit", methods=["GET", "POST"])
@permission_required("manage_rotations")
def edit_type(type_id: int):
    """Rename a rotation type, change its setting or whether it excuses."""
    rotation = db.get_or_404(RotationType, type_id)
    form = RotationTypeForm(obj=rotation)
    if form.validate_on_submit():
        try:
            services.update_rotation_type(
                rotation, form.name.data, form.setting.data, form.excuses.data, actor=current_user
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Rotation “{rotation.name}” saved.", "success")
            return _see_other("rotations.index")
    return render_template(
        "rotations/edit_type.html",
        rotation=rotation,
        form=form,
        delete_form=ConfirmForm(formdata=None),
    )


@bp.post("/rotations/types/<int:type_id>/delete")
@permission_required("manage_rotations")
def delete_type(type_id: int):
    """Remove a rotation type no block uses."""
    rotation = db.get_or_404(RotationType, type_id)
    if ConfirmForm().validate_on_submit():
        name = rotation.name
        services.delete_rotation_type(rotation, actor=current_user)
        db.session.commit()
        flash(f"Rotation “{name}” removed.", "success")
    return _see_other("rotations.index")


@bp.post("/rotations/import")
@permission_required("manage_rotations")
def import_blocks():
    """Preview a block-schedule CSV, then import all of it (or nothing) on confirmation."""
    form = ImportBlocksForm()
    if not form.validate_on_submit():
        return _index_page(import_form=form, status=400)
    if form.confirm.data and form.csv_text.data:
        text, filename = form.csv_text.data, form.filename.data or ""
    else:
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Choose a CSV file."]
            return _index_page(import_form=form, status=400)
        raw = upload.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            form.file.errors = ["The file is too large (2 MB at most)."]
            return _index_page(import_form=form, status=400)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = ["The file is not UTF-8 text; save it as “CSV UTF-8”."]
            return _index_page(import_form=form, status=400)
        filename = upload.filename
    if form.confirm.data:
        try:
            blocks = services.apply_import(text, actor=current_user, filename=filename)
        except ImportErrors:
            db.session.rollback()
            preview = services.parse_import(text)
            return _preview_page(form, preview, text, filename, status=400)
        db.session.commit()
        flash(f"Imported {len(blocks)} block(s) from {filename or 'the file'}.", "success")
        return _see_other("rotations.index")
    preview = services.parse_import(text)
    return _preview_page(form, preview, text, filename, status=200 if preview.ok else 400)


def _preview_page(form, preview, text: str, filename: str, status: int):
    confirm_form = ImportBlocksForm(formdata=None)
    confirm_form.csv_text.data = text
    confirm_form.filename.data = filename
    return (
        render_template(
            "rotations/import_preview.html",
            preview=preview,
            filename=filename,
            confirm_form=confirm_form,
        ),
        status,
    )


@bp.get("/rotations/residents")
@permission_required("manage_rotations")
def choose_resident():
    """Jump from the resident picker to that resident's blocks."""
    user_id = parse_id(request.args.get("user_id", ""))
    if user_id is None:
        return _see_other("rotations.index")
    return _see_other("rotations.resident_blocks", user_id=user_id)


def _resident_or_404(user_id: int) -> User:
    resident = db.get_or_404(User, user_id)
    if not resident.is_resident:
        abort(404)
    return resident


def _blocks_page(resident: User, form: BlockForm | None = None, status: int = 200):
    authorize("view_attendance_of", resident)
    types = services.rotation_types()
    if form is None:
        form = BlockForm(formdata=None)
    form.rotation.choices = choices((r.id, r.name) for r in types)
    today = timeutil.local_today()
    removed = services.deleted_block(parse_id(request.args.get("undo", "")))
    if removed is not None and (removed.before or {}).get("resident_id") != resident.id:
        removed = None
    return (
        render_template(
            "rotations/resident.html",
            removed=removed if can("manage_rotations") else None,
            rotation_names={r.id: r.name for r in types},
            resident=resident,
            blocks=services.blocks_for(resident),
            form=form,
            delete_form=ConfirmForm(formdata=None),
            today=today,
            manage=can("manage_rotations"),
            setting_label=services.setting_label,
        ),
        status,
    )


@bp.get("/rotations/residents/<int:user_id>")
@permission_required("view_schedule")
def resident_blocks(user_id: int):
    """A resident's blocks (their own, or anyone's for coordinators)."""
    return _blocks_page(_resident_or_404(user_id))


@bp.post("/rotations/residents/<int:user_id>/blocks")
@permission_required("manage_rotations")
def add_block(user_id: int):
    """Put a resident on a rotation for some dates."""
    resident = _resident_or_404(user_id)
    form = BlockForm()
    form.rotation.choices = choices((r.id, r.name) for r in services.rotation_types())
    if form.validate_on_submit():
        rotation = db.get_or_404(RotationType, form.rotation.data)
        try:
            services.add_assignment(
                resident, rotation, form.start_on.data, form.end_on.data, actor=current_user
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"{rotation.name} block added for {resident.name}.", "success")
            return _see_other("rotations.resident_blocks", user_id=resident.id)
    return _blocks_page(resident, form, status=400)


@bp.post("/rotations/blocks/<int:block_id>/delete")
@permission_required("manage_rotations")
def delete_block(block_id: int):
    """Remove one block."""
    block = db.get_or_404(RotationAssignment, block_id)
    resident_id = block.resident_id
    if ConfirmForm().validate_on_submit():
        event = services.delete_assignment(block, actor=current_user)
        db.session.commit()
        # The page offers to undo it (the removal's audit event holds the block).
        return _see_other("rotations.resident_blocks", user_id=resident_id, undo=event.id)
    return _see_other("rotations.resident_blocks", user_id=resident_id)


@bp.post("/rotations/blocks/removed/<int:event_id>/undo")
@permission_required("manage_rotations")
def undo_delete_block(event_id: int):
    """Bring back a block just removed, as it was."""
    event = services.deleted_block(event_id)
    if event is None:
        abort(404)
    resident_id = (event.before or {}).get("resident_id")
    if ConfirmForm().validate_on_submit():
        try:
            block = services.undo_delete(event, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(f"The block was not brought back: {error.message}", "danger")
        else:
            db.session.commit()
            flash(
                f"{block.rotation_type.name} block {block.start_on.isoformat()} – "
                f"{block.end_on.isoformat()} is back.",
                "success",
            )
    return _see_other("rotations.resident_blocks", user_id=resident_id)
