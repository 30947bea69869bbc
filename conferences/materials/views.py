"""Materials pages: the list, upload and deletion of a session's materials, the upload of
a recording file, and downloads (signed in only).

Downloads stream through the app, from either storage backend, rather than redirecting to
a short-lived presigned URL of the object store: access is checked on the request that
reads the bytes (a presigned URL is a bearer link that works for anyone it is forwarded
to until it expires); the app's own headers go out with every file (an object store sets
Content-Disposition on request but cannot send ``X-Content-Type-Options: nosniff``); and
the store need not be reachable from browsers at all (a MinIO on the internal network).
The cost, a server thread busy for the length of a download, is bounded: files are read
and sent in 1 MB chunks, never held whole in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from conferences.errors import DomainError
from conferences.extensions import db
from conferences.formutil import PageForm
from conferences.materials import recording_files, services
from conferences.materials.models import Material
from conferences.people.policy import permission_required
from conferences.schedule.queries import get_session_by_public_id
from conferences.storage import CHUNK_BYTES

bp = Blueprint("materials", __name__)

# Room for the multipart envelope around the largest accepted file.
ENVELOPE_BYTES = 64 * 1024


class UploadForm(PageForm):
    file = FileField("File", validators=[FileRequired(message="Choose a file to upload.")])


class DeleteForm(PageForm):
    """Nothing but the CSRF token: the material is named by the address."""


class RecordingFileForm(PageForm):
    file = FileField(
        "Recording file", validators=[FileRequired(message="Choose a video or audio file.")]
    )


@bp.app_context_processor
def _recording_file_helpers() -> dict:
    """For the session page's recording panel (an attendance template)."""
    return {
        "recording_file_of": recording_files.current_file,
        "recording_file_limit": lambda: services.size_words(recording_files.max_bytes()),
        "size_words": services.size_words,
    }


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
            may_delete=lambda material: services.may_delete(current_user, material),
            delete_form=DeleteForm(formdata=None),
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


def _attachment(open_file: Callable[[], BinaryIO], content_type: str, filename: str, size: int):
    """The file, streamed in chunks, always as an attachment, never sniffed by the browser
    (404 when the storage has lost it)."""
    try:
        stream = open_file()
    except FileNotFoundError:
        abort(404)
    response = Response(
        wrap_file(request.environ, stream, CHUNK_BYTES),
        mimetype=content_type,
        direct_passthrough=True,
    )
    response.content_length = size
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/materials/<int:material_id>/download")
@login_required
def download(material_id: int):
    """The file, always as an attachment, never sniffed by the browser."""
    material = db.get_or_404(Material, material_id)
    return _attachment(
        lambda: services.open_file(material),
        material.content_type,
        material.filename,
        material.size,
    )


@bp.post("/materials/<int:material_id>/delete")
@login_required
def delete_material(material_id: int):
    """Delete one material (its uploader, the presenter, coordinators); asked to confirm
    first on the page."""
    material = db.get_or_404(Material, material_id)
    if not services.may_delete(current_user, material):
        abort(403)
    if not DeleteForm().validate_on_submit():
        abort(400)
    public_id, filename = material.session.public_id, material.filename
    services.delete(material, current_user)
    db.session.commit()
    flash(f"Deleted {filename}.", "success")
    return redirect(url_for("materials.session_materials", public_id=public_id), 303)


@bp.post("/sessions/<public_id>/recording/upload")
@permission_required("manage_attendance")
def upload_recording_file(public_id: str):
    """A coordinator uploads the recording of a past session as a video or audio file."""
    session = _session(public_id)
    back = redirect(url_for("schedule.view_session", public_id=public_id), 303)
    form = RecordingFileForm()  # a body over the limit was refused before (413, too_large)
    if not form.validate_on_submit():
        flash(" ".join(form.file.errors) or "Choose a video or audio file.", "danger")
        return back
    upload = form.file.data
    try:
        stored = recording_files.upload(session, current_user, upload.filename or "", upload.stream)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return back
    db.session.commit()
    flash(f"Recording file {stored.filename} saved.", "success")
    return back


@bp.get("/sessions/<public_id>/recording/file")
@login_required
def recording_file(public_id: str):
    """The session's recording file, as an attachment."""
    stored = recording_files.current_file(_session(public_id))
    if stored is None:
        abort(404)
    return _attachment(
        lambda: recording_files.open_file(stored),
        stored.content_type,
        stored.filename,
        stored.size,
    )


def _upload_limit() -> int | None:
    """The app-wide request limit is small; signed-in people may send a file up to the
    setting here (``web._apply_request_limit`` reads this before the body is read)."""
    if not current_user.is_authenticated:
        return None
    return services.max_bytes() + ENVELOPE_BYTES


session_materials.request_limit = _upload_limit  # type: ignore[attr-defined]


def _recording_limit() -> int | None:
    """Coordinators may send a recording file up to ``RECORDING_MAX_BYTES``."""
    if not recording_files.may_upload(current_user):
        return None
    return recording_files.max_bytes() + ENVELOPE_BYTES


upload_recording_file.request_limit = _recording_limit  # type: ignore[attr-defined]
# A body over the limit is refused before it is read (413), with these words.
session_materials.too_large = lambda: (  # type: ignore[attr-defined]
    f"The file is larger than the limit of {services.size_words(services.max_bytes())}."
)
upload_recording_file.too_large = lambda: (  # type: ignore[attr-defined]
    f"The file is larger than the limit of {services.size_words(recording_files.max_bytes())}."
)
