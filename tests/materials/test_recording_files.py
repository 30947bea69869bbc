"""A recording as a file: a coordinator uploads a video or audio file (by content: MP4,
M4A, WebM, MP3; up to RECORDING_MAX_BYTES, 2 GB by default) to a past session, kept by the
same storage as materials; residents download it from the session page and claim "I
watched the recording" as for a link."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from conferences.attendance import hybrid, recordings
from conferences.audit.models import AuditEvent
from conferences.extensions import db
from conferences.materials import recording_files, sniff
from conferences.materials.models import RecordingFile
from tests.attendance.conftest import SESSION_DAY

MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 2000
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom\x00\x00\x00\x00" + b"\x00" * 100
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 100
MKV = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x88matroska" + b"\x00" * 100
MP3_TAGGED = b"ID3\x04\x00\x00\x00\x00\x00\x00" + b"\x00" * 100
MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 100
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 100
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
PDF = b"%PDF-1.7\n%%EOF\n"


def test_detect_media_by_content():
    assert sniff.detect_media(MP4) == sniff.MP4
    assert sniff.detect_media(M4A) == sniff.M4A
    assert sniff.detect_media(WEBM) == sniff.WEBM
    assert sniff.detect_media(MP3_TAGGED) == sniff.MP3
    assert sniff.detect_media(MP3_FRAME) == sniff.MP3
    for other in (MKV, HEIC, EXE, PDF, b"\xff\xd8\xff\xe0JFIF", b""):
        assert sniff.detect_media(other) is None


@pytest.fixture
def world(app, app_ctx, clock, make_user, make_resident, make_session):
    coordinator = make_user(roles=("coordinator",), name="Cora")
    faculty = make_user(roles=("faculty",))
    watcher = make_resident(pgy=1, on=SESSION_DAY, name="Watcher")
    past = make_session(on=SESSION_DAY - timedelta(days=2))
    upcoming = make_session(on=SESSION_DAY + timedelta(days=2))
    hybrid.set_rules(2026, remote_counts=True, recording_counts=True, recording_needs_approval=True)
    db.session.commit()
    yield {
        "coordinator": coordinator,
        "faculty": faculty,
        "watcher": watcher,
        "past": past,
        "upcoming": upcoming,
    }
    app.config.pop("RECORDING_MAX_BYTES", None)


def post(client, session, data: bytes, name: str):
    return client.post(
        f"/sessions/{session.public_id}/recording/upload",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_coordinator_uploads_and_residents_download_and_claim(client, auth, world, files):
    past = world["past"]
    auth.login(world["coordinator"].email)
    page = client.get(f"/sessions/{past.public_id}")
    assert f'action="/sessions/{past.public_id}/recording/upload"' in page.text
    assert "up to 2 GB" in page.text
    response = post(client, past, MP4, "Grand rounds 2 Nov.mov")
    assert response.status_code == 303
    stored = db.session.scalars(select(RecordingFile)).one()
    assert stored.filename == "Grand rounds 2 Nov.mp4"  # named after what it really is
    assert (stored.kind, stored.content_type, stored.size) == ("mp4", "video/mp4", len(MP4))
    assert recordings.recording_of(past).file_key == stored.storage_key
    assert recordings.recording_of(past).url == ""
    assert files.names() == {stored.storage_key}
    assert files.read(stored.storage_key) == MP4
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["recording.file_set", "recording_file.uploaded"]
    auth.logout()

    auth.login(world["watcher"].email)
    page = client.get(f"/sessions/{past.public_id}")
    assert f'href="/sessions/{past.public_id}/recording/file"' in page.text
    assert "Download the recording" in page.text
    assert "Watch the recording" not in page.text  # no link was given
    assert "recording/upload" not in page.text
    download = client.get(f"/sessions/{past.public_id}/recording/file")
    assert download.status_code == 200
    assert download.data == MP4
    assert download.headers["Content-Type"] == "video/mp4"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Grand rounds 2 Nov.mp4" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert recordings.claim_problem(past, world["watcher"]) is None
    claimed = client.post(
        f"/sessions/{past.public_id}/recording/claim", data={"attestation": "Watched the file"}
    )
    assert claimed.status_code == 303
    assert db.session.scalars(select(recordings.RecordingClaim)).one().status == "pending"
    auth.logout()
    assert client.get(f"/sessions/{past.public_id}/recording/file").status_code in (302, 303)


def test_a_new_file_replaces_the_old_one_in_storage(client, auth, world, files):
    past = world["past"]
    recordings.set_recording(past, "https://video.example.com/rec/1", world["coordinator"])
    db.session.commit()
    auth.login(world["coordinator"].email)
    assert post(client, past, MP4, "first.mp4").status_code == 303
    first = db.session.scalars(select(RecordingFile)).one().storage_key
    assert post(client, past, MP3_TAGGED, "second.mp3").status_code == 303
    db.session.expire_all()
    second = db.session.scalars(select(RecordingFile)).one()
    assert second.kind == "mp3"
    assert second.storage_key != first
    assert files.names() == {second.storage_key}
    found = recordings.recording_of(past)
    assert (found.url, found.file_key) == ("https://video.example.com/rec/1", second.storage_key)
    page = client.get(f"/sessions/{past.public_id}")
    assert "Watch the recording" in page.text
    assert "Download the recording" in page.text


@pytest.mark.parametrize(
    ("session_name", "data", "name", "message"),
    [
        ("past", EXE, "talk.mp4", "not a video or audio file (MP4, M4A, WebM or MP3)"),
        ("past", PDF, "talk.mp4", "its content was checked, not its name"),
        ("past", MKV, "talk.webm", "not a video or audio file"),
        ("upcoming", MP4, "talk.mp4", "once the session has ended"),
    ],
)
def test_bad_files_and_sessions_are_refused_with_a_message(
    client, auth, world, local_files, session_name, data, name, message
):
    auth.login(world["coordinator"].email)
    session = world[session_name]
    response = post(client, session, data, name)
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert message in page.text
    assert db.session.scalars(select(RecordingFile)).first() is None
    assert recordings.recording_of(session) is None
    assert local_files.names() == set()


def test_an_oversize_recording_is_refused_with_a_message(client, auth, world, local_files, app):
    app.config["RECORDING_MAX_BYTES"] = 1024
    auth.login(world["coordinator"].email)
    past = world["past"]
    response = post(client, past, MP4[:24] + b"\x00" * 1100, "long.mp4")
    assert "larger than the limit of 1 KB" in client.get(response.headers["Location"]).text
    # Far over: refused before the body is read, with the same message.
    response = post(client, past, MP4[:24] + b"\x00" * (300 * 1024), "longer.mp4")
    assert response.status_code == 413
    assert "larger than the limit of 1 KB" in response.text
    assert db.session.scalars(select(RecordingFile)).first() is None
    assert local_files.names() == set()


def test_the_default_limit_is_2_gb(world):
    assert recording_files.max_bytes() == 2 * 1024 * 1024 * 1024


@pytest.mark.parametrize("who", ["watcher", "faculty"])
def test_only_coordinators_upload_a_recording(client, auth, world, local_files, who):
    auth.login(world[who].email)
    assert post(client, world["past"], MP4, "x.mp4").status_code == 403
    assert db.session.scalars(select(RecordingFile)).first() is None
    assert local_files.names() == set()


def test_a_session_without_a_file_has_no_download(client, auth, world, local_files):
    auth.login(world["watcher"].email)
    assert client.get(f"/sessions/{world['past'].public_id}/recording/file").status_code == 404
