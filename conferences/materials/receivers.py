"""Materials' answer to the schedule's ``session_changed``: when a session is deleted, its
materials and recording files go with it (the rows by the database's cascade, the files
from the storage once the deletion commits).

Connected when the module is imported; ``create_app`` imports it at start-up.
"""

from __future__ import annotations

from sqlalchemy import select

from conferences.extensions import db
from conferences.materials.models import Material, RecordingFile
from conferences.schedule.signals import session_changed
from conferences.storage import delete_after_commit


def _on_session_changed(session, *, change: str, **_extra) -> None:
    if change != "deleted":
        return
    for model in (Material, RecordingFile):
        for key in db.session.scalars(
            select(model.storage_key).where(model.session_id == session.id)
        ):
            delete_after_commit(key)


session_changed.connect(_on_session_changed)
