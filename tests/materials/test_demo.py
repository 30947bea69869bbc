"""The demo program has hybrid series with meeting links, remote check-ins, a recording
with a claim, and slides."""

from __future__ import annotations

from sqlalchemy import func, select

from conferences.attendance.models import Attendance
from conferences.attendance.recordings import RecordingClaim, SessionRecording
from conferences.demo import load_demo
from conferences.extensions import db
from conferences.materials.models import Material
from conferences.materials.services import open_file
from conferences.materials.sniff import PDF, detect
from conferences.schedule.models import Series


def test_demo_has_hybrid_series_recordings_and_materials(app_ctx, clock):
    load_demo()
    db.session.commit()
    linked = db.session.scalars(select(Series).where(Series.video_url != "")).all()
    assert len(linked) >= 2
    assert all(s.video_url.startswith("https://") for s in linked)
    assert db.session.scalar(
        select(func.count()).select_from(Attendance).where(Attendance.mode == "remote")
    )
    assert db.session.scalar(select(func.count()).select_from(SessionRecording)) >= 1
    assert db.session.scalar(select(func.count()).select_from(RecordingClaim)) == 1
    materials = db.session.scalars(select(Material)).all()
    assert materials
    with open_file(materials[0]) as stored:
        assert detect(stored.read()) == PDF
