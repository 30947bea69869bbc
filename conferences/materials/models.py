"""Files attached to a session (their bytes are in the storage, under ``storage_key``):
materials, and recording files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from conferences import timeutil
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Session


class StoredFileColumns:
    """What every file kept for a session shares: its session, what it is (found from the
    bytes, never from the name), where the storage keeps it, and who put it there. Each
    table keeps its own index on the session, and says how large its files get."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    # The name shown and offered on download (cleaned; the stored name is ``storage_key``).
    filename: Mapped[str] = mapped_column(String(200))
    # What the content is: pdf, pptx, docx, png, mp4...
    kind: Mapped[str] = mapped_column(String(10))
    content_type: Mapped[str] = mapped_column(String(100))
    storage_key: Mapped[str] = mapped_column(String(200), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=timeutil.now_utc)

    @declared_attr
    def session(cls) -> Mapped[Session]:
        return relationship(Session)

    @declared_attr
    def uploaded_by(cls) -> Mapped[User | None]:
        return relationship(User)


class Material(StoredFileColumns, db.Model):
    __tablename__ = "materials"
    __table_args__ = (Index("ix_materials_session", "session_id"),)

    size: Mapped[int]


class RecordingFile(StoredFileColumns, db.Model):
    """A session's recording kept as a file: what it is and who put it there. The session's
    recording (``attendance.recordings.SessionRecording.file_key``) names the current one."""

    __tablename__ = "recording_files"
    __table_args__ = (Index("ix_recording_files_session", "session_id"),)

    # Recordings reach gigabytes: past a 32-bit integer.
    size: Mapped[int] = mapped_column(BigInteger)
