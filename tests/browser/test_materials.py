"""In a real browser: a coordinator uploads a material, Delete asks first (dismissed:
nothing changes), then deletes it and the file is gone."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from conferences import storage
from conferences.extensions import db
from conferences.materials.models import Material
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def test_upload_then_delete_after_confirming(
    page, app, make_user, make_session, app_ctx, clock, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.extensions, "storage", storage.LocalStorage(tmp_path / "files"))
    coordinator = make_user(roles=("coordinator",))
    session = make_session(on=date(2026, 11, 10), title="Sepsis update")
    db.session.commit()
    login(page, coordinator.email)
    page.goto(f"/sessions/{session.public_id}/materials")
    page.get_by_label("File").set_input_files(
        {"name": "Sepsis slides.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Uploaded Sepsis slides.pdf")).to_be_visible()
    assert len(list((tmp_path / "files").iterdir())) == 1

    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Delete Sepsis slides.pdf").click()
    assert asked
    assert "Delete Sepsis slides.pdf?" in asked[0]
    expect(page.get_by_role("link", name="Sepsis slides.pdf")).to_be_visible()
    db.session.expire_all()
    assert db.session.scalars(select(Material)).first() is not None

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete Sepsis slides.pdf").click()
    expect(page.get_by_text("Deleted Sepsis slides.pdf.")).to_be_visible()
    expect(page.get_by_role("link", name="Sepsis slides.pdf")).to_have_count(0)
    db.session.expire_all()
    assert db.session.scalars(select(Material)).first() is None
    assert list((tmp_path / "files").iterdir()) == []
