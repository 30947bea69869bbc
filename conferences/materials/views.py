"""Materials pages: the list and upload form of a session, and downloads (signed in only)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from conferences.errors import DomainError
from conferences.extensions import db
from conferences.formutil import PageForm
from conferences.materials import services
from conferences.materials.models import Material
from conferences.schedule.queries import get_session_by_public_id

bp = Blueprint("materials", __name__)

# Room for the multipart envelope around the largest accepted file.
ENVELOPE_BYTES = 64 * 1024


class UploadForm(PageForm):
    file = FileField("File", validators=[FileRequired(message="Choose a file to upload.")])


def _session(public_id: str):
    session = get_session_by_public_id(public_id)
    if session is None:
        abort(404)
    return session


def _page(session, form: UploadForm, status: int = 200):
    return (
        render_template(
            "materials/session_materials.html",
            session=session,
            form=form,
            materials=services.materials_of(session),
            may_upload=services.may_upload(current_user, session),
            limit=services.size_words(services.max_bytes()),
        ),
        status,
    )


@bp.route("/sessions/<public_id>/materials", methods=["GET", "POST"])
@login_required
def session_materials(public_id: str):
    """The session's materials; the presenter and coordinators upload here."""
    session = _session(public_id)
    if request.method == "POST" and not services.may_upload(current_user, session):
        abort(403)
    try:
        form = UploadForm()
        submitted = form.validate_on_submit()
    except RequestEntityTooLarge:
        form = UploadForm(formdata=None)
        form.file.errors = [
            f"The file is larger than the limit of {services.size_words(services.max_bytes())}."
        ]
        return _page(session, form, 413)
    if request.method == "POST" and not submitted:
        return _page(session, form, 400)
    if submitted:
        upload = form.file.data
        try:
            material = services.upload(session, current_user, upload.filename or "", upload.read())
        except DomainError as error:
            db.session.rollback()
            form.file.errors = [error.message]
            return _page(session, form, 400)
        db.session.commit()
        flash(f"Uploaded {material.filename}.", "success")
        return redirect(url_for("materials.session_materials", public_id=public_id), 303)
    return _page(session, form)


@bp.get("/materials/<int:material_id>/download")
@login_required
def download(material_id: int):
    """The file, always as an attachment, never sniffed by the browser."""
    material = db.get_or_404(Material, material_id)
    response = Response(services.read(material), mimetype=material.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=material.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _upload_limit() -> int | None:
    """The app-wide request limit is small; signed-in people may send a file up to the
    setting here (``web._apply_request_limit`` reads this before the body is read)."""
    if not current_user.is_authenticated:
        return None
    return services.max_bytes() + ENVELOPE_BYTES


session_materials.request_limit = _upload_limit  # type: ignore[attr-defined]
