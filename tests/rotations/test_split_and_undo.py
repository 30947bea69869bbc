"""The block schedule: a vacation week imported inside a stored block splits that block;
removing a block asks first (the page) and can be undone."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from conferences.audit.models import AuditEvent
from conferences.errors import ImportErrors
from conferences.extensions import db
from conferences.rotations import services


def _csv(*lines: str) -> str:
    return "\n".join(["email,rotation,start,end", *lines]) + "\n"


def _blocks(resident) -> list[tuple[str, date, date]]:
    db.session.expire_all()
    return [(b.rotation_type.name, b.start_on, b.end_on) for b in services.blocks_for(resident)]


@pytest.fixture
def wards_month(app_ctx, make_resident, make_rotation, make_block):
    """Ana on the wards 1-28 September 2026; a Vacation rotation exists."""
    ana = make_resident(email="ana@example.test", name="Ana Resident")
    wards = make_rotation("Wards")
    vacation = make_rotation("Vacation", "vacation")
    make_block(ana, wards, date(2026, 9, 1), date(2026, 9, 28))
    db.session.commit()
    return ana, wards, vacation


def test_a_vacation_week_inside_a_block_splits_it(wards_month):
    ana, _wards, _vacation = wards_month
    text = _csv("ana@example.test,Vacation,2026-09-08,2026-09-14")

    preview = services.parse_import(text)
    assert preview.errors == []
    assert [(row.line, block.start_on) for row, block in preview.splits] == [(2, date(2026, 9, 1))]

    services.apply_import(text)
    db.session.commit()
    assert _blocks(ana) == [
        ("Wards", date(2026, 9, 1), date(2026, 9, 7)),
        ("Vacation", date(2026, 9, 8), date(2026, 9, 14)),
        ("Wards", date(2026, 9, 15), date(2026, 9, 28)),
    ]
    split = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "rotation_assignment.split")
    )
    assert split.before["end_on"] == "2026-09-28"


def test_two_weeks_in_one_block_and_a_week_at_its_start(wards_month):
    ana, _wards, _vacation = wards_month
    services.apply_import(
        _csv(
            "ana@example.test,Vacation,2026-09-22,2026-09-28",
            "ana@example.test,Vacation,2026-09-01,2026-09-07",
            "ana@example.test,Vacation,2026-09-15,2026-09-15",
        )
    )
    assert _blocks(ana) == [
        ("Vacation", date(2026, 9, 1), date(2026, 9, 7)),
        ("Wards", date(2026, 9, 8), date(2026, 9, 14)),
        ("Vacation", date(2026, 9, 15), date(2026, 9, 15)),
        ("Wards", date(2026, 9, 16), date(2026, 9, 21)),
        ("Vacation", date(2026, 9, 22), date(2026, 9, 28)),
    ]


def test_an_overlap_that_is_not_inside_one_block_is_still_refused(wards_month):
    ana, _wards, _vacation = wards_month
    for line in (
        "ana@example.test,Vacation,2026-09-25,2026-10-02",  # runs past the block
        "ana@example.test,Vacation,2026-09-01,2026-09-28",  # the whole block
        "ana@example.test,Wards,2026-09-08,2026-09-14",  # the same rotation
    ):
        with pytest.raises(ImportErrors) as raised:
            services.apply_import(_csv(line))
        assert "overlaps an existing block" in raised.value.errors[0][1]
    assert _blocks(ana) == [("Wards", date(2026, 9, 1), date(2026, 9, 28))]


def test_the_import_preview_says_which_block_is_split(wards_month, client, auth, make_user):
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")
    text = _csv("ana@example.test,Vacation,2026-09-08,2026-09-14").encode()
    response = client.post(
        "/rotations/import",
        data={"file": (io.BytesIO(text), "vacation.csv"), "preview": "Preview"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Line 2: Ana Resident’s Wards block" in response.text
    assert "split around" in response.text


def test_removing_a_block_asks_first_and_can_be_undone(wards_month, client, auth, make_user):
    ana, _wards, _vacation = wards_month
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")
    (block,) = services.blocks_for(ana)

    page = client.get(f"/rotations/residents/{ana.id}").text
    assert 'data-confirm="Remove the Wards block of Ana Resident' in page

    response = client.post(f"/rotations/blocks/{block.id}/delete")
    assert response.status_code == 303
    assert _blocks(ana) == []
    page = client.get(response.headers["Location"]).text
    assert "Block removed: Wards, 2026-09-01 – 2026-09-28." in page
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "rotation_assignment.delete")
    )
    assert f"/rotations/blocks/removed/{event.id}/undo" in page

    response = client.post(f"/rotations/blocks/removed/{event.id}/undo")
    assert response.status_code == 303
    assert _blocks(ana) == [("Wards", date(2026, 9, 1), date(2026, 9, 28))]

    # Undoing twice does not make a twin: the dates are taken again.
    client.post(f"/rotations/blocks/removed/{event.id}/undo")
    assert len(_blocks(ana)) == 1
    assert client.post("/rotations/blocks/removed/999999/undo").status_code == 404
