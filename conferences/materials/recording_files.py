"""A recording kept as a file: a coordinator uploads a video or audio file to a past session.

The file is checked by its content (MP4, M4A, WebM, MP3: ``sniff.detect_media``), no larger
than ``RECORDING_MAX_BYTES`` (2 GB by default), stored through the app's storage, described
by a ``RecordingFile`` row, and made the session's recording by
``attendance.recordings.set_recording_file`` (which keeps the session's recording rules:
ended, not cancelled). A replaced file leaves the storage once the caller commits. Residents
then claim "I watched the recording" exactly as for a link.
"""

from __future__ import annotations

import os
import secrets
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import recordings
from conferences.audit.services import record
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.materials import sniff
from conferences.materials.models import RecordingFile
from conferences.materials.services import clean_filename, size_words
from conferences.people.models import Role, User
from conferences.schedule.models import Session
from conferences.storage import delete_after_commit, delete_after_rollback, storage

DEFAULT_MAX_BYTES = 2 * 1024 * 1024 * 1024


def max_bytes() -> int:
    return int(current_app.config.get("RECORDING_MAX_BYTES") or DEFAULT_MAX_BYTES)


def may_upload(user: User) -> bool:
    return user.is_authenticated and user.has_role(Role.COORDINATOR, Role.ADMIN)


def _size(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def upload(session: Session, user: User, filename: str, stream: BinaryIO) -> RecordingFile:
    """Store a recording file for a past session (refused with a message when not allowed).

    ``stream`` is a seekable binary file (an upload is spooled to disk by the server): it is
    read in chunks, never whole into memory."""
    if not may_upload(user):
        raise NotAllowed("Only coordinators add recordings.")
    problem = recordings.recording_problem(session)
    if problem:
        raise Conflict(problem)
    size, limit = _size(stream), max_bytes()
    if size > limit:
        raise DomainError(
            f"The file is larger than the limit of {size_words(limit)}.", field="file"
        )
    if not size:
        raise DomainError("The file is empty.", field="file")
    kind = sniff.detect_media(stream.read(64))
    stream.seek(0)
    if kind is None:
        raise DomainError(
            f"This file is not a {sniff.MEDIA_WORDS} (its content was checked, not its name).",
            field="file",
        )
    key = f"{secrets.token_hex(16)}.{kind.extension}"
    storage().save(key, stream)
    delete_after_rollback(key)
    _, replaced = recordings.set_recording_file(session, key, user)
    if replaced:
        old = db.session.scalar(select(RecordingFile).where(RecordingFile.storage_key == replaced))
        if old is not None:
            db.session.delete(old)
        delete_after_commit(replaced)
    stored = RecordingFile(
        session_id=session.id,
        filename=clean_filename(filename, kind),
        kind=kind.name,
        content_type=kind.content_type,
        size=size,
        storage_key=key,
        uploaded_by_id=user.id,
        uploaded_at=timeutil.now_utc(),
    )
    db.session.add(stored)
    db.session.flush()
    record(
        user,
        "recording_file.uploaded",
        stored,
        before={"replaced": replaced} if replaced else None,
        after={"filename": stored.filename, "size": size, "session_id": session.id},
    )
    return stored


def current_file(session: Session) -> RecordingFile | None:
    """The file that is the session's recording now, if any."""
    found = recordings.recording_of(session)
    if found is None or not found.file_key:
        return None
    return db.session.scalar(
        select(RecordingFile).where(RecordingFile.storage_key == found.file_key)
    )


def open_file(stored: RecordingFile) -> BinaryIO:
    return storage().open(stored.storage_key)
