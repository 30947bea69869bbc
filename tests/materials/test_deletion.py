"""Deleting a material: its uploader, the presenter or a coordinator, by POST with the CSRF
token after a confirmation; the file leaves the storage, the deletion is audited; anybody
else is refused with 403 and nothing changes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from conferences.audit.models import AuditEvent
from conferences.extensions import db
from conferences.materials.models import Material
from conferences.teaching.models import TeachingSlot

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def world(app_ctx, make_user, make_resident, make_session):
    presenter = make_resident(pgy=2, name="Presenting Resident")
    uploader = make_user(roles=("faculty",), name="Former Presenter")
    other = make_resident(pgy=1, name="Other Resident")
    faculty = make_user(roles=("faculty",), name="Other Faculty")
    coordinator = make_user(roles=("coordinator",))
    session = make_session(on=date(2026, 11, 10))
    db.session.add(TeachingSlot(session_id=session.id, role="lecturer", holder_id=presenter.id))
    db.session.commit()
    return {
        "presenter": presenter,
        "uploader": uploader,
        "other": other,
        "faculty": faculty,
        "coordinator": coordinator,
        "session": session,
    }


def upload(client, auth, person, session, name="slides.pdf") -> Material:
    auth.login(person.email)
    response = client.post(
        f"/sessions/{session.public_id}/materials",
        data={"file": (io.BytesIO(PDF), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    auth.logout()
    return db.session.scalars(select(Material).where(Material.filename == name)).one()


def test_upload_download_delete_through_the_pages(client, auth, clock, world, files):
    """On both backends: the object is in the store (the bucket, read with boto3) after the
    upload, comes back on download, and is gone after the deletion."""
    session = world["session"]
    material = upload(client, auth, world["presenter"], session)
    key, material_id = material.storage_key, material.id
    assert files.names() == {key}
    assert files.read(key) == PDF

    auth.login(world["other"].email)
    download = client.get(f"/materials/{material_id}/download")
    assert download.data == PDF
    assert download.headers["Content-Disposition"] == "attachment; filename=slides.pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Length"] == str(len(PDF))
    auth.logout()

    auth.login(world["coordinator"].email)
    page = client.get(f"/sessions/{session.public_id}/materials")
    assert f'action="/materials/{material_id}/delete"' in page.text
    assert 'data-confirm="Delete slides.pdf?' in page.text
    response = client.post(f"/materials/{material_id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/sessions/{session.public_id}/materials")
    db.session.expire_all()
    assert db.session.get(Material, material_id) is None
    assert files.names() == set()
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "material.deleted")
    ).one()
    assert event.actor_id == world["coordinator"].id
    assert event.object_id == material_id
    assert event.before["filename"] == "slides.pdf"
    assert event.before["storage_key"] == key
    assert event.at == datetime(2026, 11, 4, 15, 0, tzinfo=UTC)  # the clock's now
    assert client.get(f"/materials/{material_id}/download").status_code == 404


@pytest.mark.parametrize("who", ["uploader", "presenter", "coordinator"])
def test_uploader_presenter_and_coordinator_may_delete(client, auth, world, local_files, who):
    # A faculty member uploaded while presenting; the slot has passed to the resident since.
    slot = db.session.scalars(select(TeachingSlot)).one()
    slot.holder_id = world["uploader"].id
    db.session.commit()
    material = upload(client, auth, world["uploader"], world["session"])
    slot.holder_id = world["presenter"].id
    db.session.commit()
    auth.login(world[who].email)
    assert client.post(f"/materials/{material.id}/delete").status_code == 303
    assert db.session.scalars(select(Material)).first() is None
    assert local_files.names() == set()


@pytest.mark.parametrize("who", ["other", "faculty"])
def test_anybody_else_is_refused_and_nothing_changes(client, auth, world, local_files, who):
    material = upload(client, auth, world["coordinator"], world["session"])
    auth.login(world[who].email)
    page = client.get(f"/sessions/{world['session'].public_id}/materials")
    assert "/delete" not in page.text
    assert client.post(f"/materials/{material.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Material, material.id) is not None
    assert local_files.names() == {material.storage_key}
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "material.deleted" not in actions


def test_delete_needs_the_csrf_token(client, auth, world, local_files, csrf_enabled):
    auth.login(world["coordinator"].email)
    material_id = _stored_material(world)
    assert client.post(f"/materials/{material_id}/delete").status_code == 400
    assert db.session.get(Material, material_id) is not None
    assert client.get(f"/materials/{material_id}/delete").status_code == 405


def _stored_material(world) -> int:
    from conferences.materials import services

    material = services.upload(world["session"], world["coordinator"], "notes.pdf", PDF)
    db.session.commit()
    return material.id


def test_an_upload_rolled_back_leaves_no_file(world, files):
    from conferences.materials import services

    services.upload(world["session"], world["coordinator"], "notes.pdf", PDF)
    assert len(files.names()) == 1
    db.session.rollback()  # e.g. the commit failed
    assert files.names() == set()
    assert db.session.scalars(select(Material)).first() is None


def test_deleting_the_session_removes_its_files(world, local_files):
    from conferences.materials import services
    from conferences.schedule.deletion import delete_session

    material = services.upload(world["session"], world["coordinator"], "notes.pdf", PDF)
    db.session.commit()
    assert local_files.names() == {material.storage_key}
    db.session.delete(db.session.scalars(select(TeachingSlot)).one())  # nothing depends on it
    delete_session(world["session"], world["coordinator"])
    assert local_files.names() == {material.storage_key}  # until the deletion commits
    db.session.commit()
    assert db.session.scalars(select(Material)).first() is None
    assert local_files.names() == set()


def test_a_file_lost_from_storage_answers_404(client, auth, world, files):
    material_id = _stored_material(world)
    files.store.delete(db.session.get(Material, material_id).storage_key)
    auth.login(world["other"].email)
    assert client.get(f"/materials/{material_id}/download").status_code == 404
