"""Session materials: who uploads and deletes, what is accepted (by content, not by name),
the size limit, and downloads for signed-in people only, on both storage backends (a
folder, and a real S3-compatible server: ``files`` in conftest)."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from conferences.audit.models import AuditEvent
from conferences.extensions import db
from conferences.materials import sniff
from conferences.materials.models import Material
from conferences.teaching.models import TeachingSlot

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


def office(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        part = "ppt/presentation.xml" if kind == "pptx" else "word/document.xml"
        package.writestr(part, "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("payload.exe", EXE)
    return buffer.getvalue()


@pytest.fixture
def world(app, app_ctx, make_user, make_resident, make_session):
    presenter = make_resident(pgy=2, name="Presenting Resident")
    other = make_resident(pgy=1)
    coordinator = make_user(roles=("coordinator",))
    session = make_session(on=date(2026, 11, 10))
    db.session.add(TeachingSlot(session_id=session.id, role="lecturer", holder_id=presenter.id))
    db.session.commit()
    yield {"presenter": presenter, "other": other, "coordinator": coordinator, "session": session}
    app.config.pop("MATERIALS_MAX_BYTES", None)


def post_file(client, session, data: bytes, name: str):
    return client.post(
        f"/sessions/{session.public_id}/materials",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_detect_by_content_not_name():
    assert sniff.detect(PDF) == sniff.PDF
    assert sniff.detect(office("pptx")) == sniff.PPTX
    assert sniff.detect(office("docx")) == sniff.DOCX
    assert sniff.detect(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20) == sniff.PNG
    assert sniff.detect(b"\xff\xd8\xff\xe0" + b"\x00" * 20) == sniff.JPEG
    assert sniff.detect(EXE) is None
    assert sniff.detect(b"\x7fELF\x02\x01\x01") is None
    assert sniff.detect(plain_zip()) is None
    assert sniff.detect(b"PK\x03\x04 not really a zip") is None


def test_presenter_uploads_and_signed_in_people_download(app, client, auth, world, files):
    session = world["session"]
    slides = office("pptx")
    auth.login(world["presenter"].email)
    response = post_file(client, session, slides, "../../Sepsis talk.pptx")
    assert response.status_code == 303
    material = db.session.scalars(select(Material)).one()
    assert material.filename == "Sepsis talk.pptx"
    assert material.kind == "pptx"
    assert files.names() == {material.storage_key}
    assert files.read(material.storage_key) == slides
    assert db.session.scalars(select(AuditEvent.action)).all() == ["material.uploaded"]

    auth.logout()
    anonymous = client.get(f"/materials/{material.id}/download")
    assert anonymous.status_code in (302, 303)
    assert "/login" in anonymous.headers["Location"]
    assert client.get(f"/sessions/{session.public_id}/materials").status_code in (302, 303)

    auth.login(world["other"].email)
    page = client.get(f"/sessions/{session.public_id}/materials")
    assert "Sepsis talk.pptx" in page.text
    assert "Upload" not in page.text  # not the presenter
    download = client.get(f"/materials/{material.id}/download")
    assert download.status_code == 200
    assert download.data == slides
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "Sepsis talk.pptx" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Type"] == sniff.PPTX.content_type


def test_a_renamed_executable_is_refused_with_a_message(app, client, auth, world, files):
    auth.login(world["coordinator"].email)
    response = post_file(client, world["session"], EXE, "slides.pdf")
    assert response.status_code == 400
    assert "not a PDF, PowerPoint" in response.text
    assert "content was checked" in response.text
    assert db.session.scalars(select(Material)).first() is None
    assert files.names() == set()


def test_an_oversize_file_is_refused_with_a_message(app, client, auth, world, local_files):
    app.config["MATERIALS_MAX_BYTES"] = 1024
    auth.login(world["coordinator"].email)
    just_over = PDF + b"0" * (1025 - len(PDF))
    response = post_file(client, world["session"], just_over, "big.pdf")
    assert response.status_code == 400
    assert "larger than the limit of 1 KB" in response.text
    # Far over: refused before it is read, with the same message.
    huge = PDF + b"0" * (200 * 1024)
    response = post_file(client, world["session"], huge, "huge.pdf")
    assert response.status_code == 413
    assert "larger than the limit of 1 KB" in response.text
    assert db.session.scalars(select(Material)).first() is None
    assert local_files.names() == set()


def test_the_default_limit_is_50_mb_and_above_the_app_wide_request_limit(
    app, client, auth, world, local_files
):
    from conferences.materials import services

    assert services.max_bytes() == 50 * 1024 * 1024
    auth.login(world["coordinator"].email)
    five_mb = PDF + b"0" * (5 * 1024 * 1024)  # larger than MAX_CONTENT_LENGTH (4 MB)
    assert post_file(client, world["session"], five_mb, "scan.pdf").status_code == 303
    assert db.session.scalars(select(Material.size)).one() == len(five_mb)


def test_only_the_presenter_and_coordinators_upload(client, auth, world, local_files):
    auth.login(world["other"].email)
    response = post_file(client, world["session"], PDF, "notes.pdf")
    assert response.status_code == 403
    assert db.session.scalars(select(Material)).first() is None
    assert local_files.names() == set()


def test_session_page_links_to_materials(client, auth, world):
    auth.login(world["other"].email)
    page = client.get(f"/sessions/{world['session'].public_id}")
    assert f"/sessions/{world['session'].public_id}/materials" in page.text


def test_upload_reminder_goes_once_and_not_when_materials_are_there(
    app, clock, world, make_session
):
    from conferences.materials.reminders import send_upload_reminders
    from conferences.notifications.models import OutboxMessage

    # The clock is Wed 4 Nov 2026; the world's session is on 10 Nov (6 days ahead).
    assert send_upload_reminders() == 0
    app.config["MATERIALS_REMINDER_DAYS"] = 7
    try:
        assert send_upload_reminders() == 1
        assert send_upload_reminders() == 0  # idempotent
        message = db.session.scalars(select(OutboxMessage)).one()
        assert message.to_email == world["presenter"].email
        assert f"/sessions/{world['session'].public_id}/materials" in message.body
        other = make_session(on=date(2026, 11, 9))
        db.session.add(
            TeachingSlot(session_id=other.id, role="lecturer", holder_id=world["presenter"].id)
        )
        db.session.add(
            Material(
                session_id=other.id,
                filename="x.pdf",
                kind="pdf",
                content_type="application/pdf",
                size=1,
                storage_key="1" * 32 + ".pdf",
            )
        )
        db.session.flush()
        assert send_upload_reminders() == 0  # that one already has materials
    finally:
        app.config["MATERIALS_REMINDER_DAYS"] = 3
