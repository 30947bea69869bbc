"""Uploading and reading session materials.

Who may upload: coordinators, and the person holding a teaching slot on the session (the
presenter). What: a PDF, PowerPoint, Word file or image, found from the bytes (``sniff``),
no larger than ``MATERIALS_MAX_BYTES`` (50 MB by default). Bad input is refused with a
message and nothing is stored. Who may delete one: its uploader, the presenter and
coordinators; the file leaves the storage when the deletion commits. The caller commits.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from conferences import timeutil
from conferences.audit.services import record
from conferences.errors import DomainError, NotAllowed
from conferences.extensions import db
from conferences.materials import sniff
from conferences.materials.models import Material
from conferences.people.models import Role, User
from conferences.schedule.models import Session
from conferences.storage import delete_after_commit, delete_after_rollback, storage
from conferences.teaching.queries import holds_slot_on

DEFAULT_MAX_BYTES = 50 * 1024 * 1024


def max_bytes() -> int:
    return int(current_app.config.get("MATERIALS_MAX_BYTES") or DEFAULT_MAX_BYTES)


def size_words(size: int) -> str:
    if size >= 1024 * 1024 * 1024:
        return f"{size / (1024 * 1024 * 1024):.3g} GB"
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.0f} MB"
    return f"{max(1, round(size / 1024))} KB"


def may_upload(user: User, session: Session) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.COORDINATOR, Role.ADMIN):
        return True
    return holds_slot_on(user, session)


def materials_of(session: Session) -> list[Material]:
    return list(
        db.session.scalars(
            select(Material).where(Material.session_id == session.id).order_by(Material.id)
        )
    )


def clean_filename(name: str, kind: sniff.Kind) -> str:
    """A safe display name ending in the extension of what the file really is."""
    name = unicodedata.normalize("NFKC", name or "").replace("\\", "/").split("/")[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = re.sub(r"[^\w\- .()]+", "_", stem).strip(" ._") or "material"
    return f"{stem[:150]}.{kind.extension}"


def upload(session: Session, user: User, filename: str, data: bytes) -> Material:
    """Store one file for the session (refused with a message when not allowed)."""
    if not may_upload(user, session):
        raise NotAllowed("Only the presenter and coordinators upload materials.")
    limit = max_bytes()
    if len(data) > limit:
        raise DomainError(
            f"The file is larger than the limit of {size_words(limit)}.", field="file"
        )
    if not data:
        raise DomainError("The file is empty.", field="file")
    kind = sniff.detect(data)
    if kind is None:
        raise DomainError(
            f"This file is not a {sniff.ACCEPTED_WORDS} (its content was checked, not its name).",
            field="file",
        )
    key = f"{secrets.token_hex(16)}.{kind.extension}"
    material = Material(
        session_id=session.id,
        filename=clean_filename(filename, kind),
        kind=kind.name,
        content_type=kind.content_type,
        size=len(data),
        storage_key=key,
        uploaded_by_id=user.id,
        uploaded_at=timeutil.now_utc(),
    )
    storage().save(key, data)
    delete_after_rollback(key)
    db.session.add(material)
    db.session.flush()
    record(
        user,
        "material.uploaded",
        material,
        after={"filename": material.filename, "size": len(data)},
    )
    return material


def may_delete(user: User, material: Material) -> bool:
    """The uploader, the presenter of the session and coordinators may delete a material."""
    if not user.is_authenticated:
        return False
    if material.uploaded_by_id is not None and material.uploaded_by_id == user.id:
        return True
    return may_upload(user, material.session)


def delete(material: Material, user: User) -> None:
    """Delete one material; its file is removed from the storage once the caller commits."""
    if not may_delete(user, material):
        raise NotAllowed("Only the uploader, the presenter and coordinators delete materials.")
    record(
        user,
        "material.deleted",
        material,
        before={
            "session_id": material.session_id,
            "filename": material.filename,
            "kind": material.kind,
            "size": material.size,
            "storage_key": material.storage_key,
            "uploaded_by_id": material.uploaded_by_id,
        },
    )
    delete_after_commit(material.storage_key)
    db.session.delete(material)
    db.session.flush()


def open_file(material: Material) -> BinaryIO:
    return storage().open(material.storage_key)
