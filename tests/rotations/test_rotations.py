"""Rotation types, blocks, the CSV import (service, CLI, pages) and rotation audiences."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from conferences.attendance import rules
from conferences.attendance.evaluation import evaluate
from conferences.audit.models import AuditEvent
from conferences.errors import Conflict, DomainError, ImportErrors
from conferences.extensions import db
from conferences.program.services import counter_value
from conferences.rotations import services
from conferences.rotations.models import RotationAssignment
from conferences.schedule.audience import facts_for, in_audience, session_residents


def _block_count() -> int:
    return db.session.scalar(select(func.count()).select_from(RotationAssignment))


def test_default_excuses_follow_the_setting(app_ctx):
    types = services.ensure_default_types()
    assert types["MICU"].excuses
    assert types["Night float"].excuses
    assert types["Vacation"].excuses
    assert types["Away rotation"].excuses
    for name in ("General medicine wards", "Ambulatory block", "Elective", "Emergency Department"):
        assert not types[name].excuses, name
    with pytest.raises(Conflict):
        services.create_rotation_type("micu", "icu")


def test_blocks_refuse_overlap_end_before_start_and_non_residents(
    app_ctx, make_resident, make_user, make_rotation
):
    resident = make_resident()
    wards = make_rotation("Wards")
    before = counter_value()
    services.add_assignment(resident, wards, date(2026, 7, 1), date(2026, 7, 28))
    assert counter_value() == before + 1

    with pytest.raises(Conflict, match="already has a block"):
        services.add_assignment(resident, wards, date(2026, 7, 28), date(2026, 8, 10))
    with pytest.raises(DomainError, match="ends before it starts"):
        services.add_assignment(resident, wards, date(2026, 9, 10), date(2026, 9, 1))
    with pytest.raises(DomainError, match="not a resident"):
        services.add_assignment(make_user(), wards, date(2026, 9, 1), date(2026, 9, 10))
    assert _block_count() == 1
    assert counter_value() == before + 1
    # Adjacent is fine.
    services.add_assignment(resident, wards, date(2026, 7, 29), date(2026, 8, 25))
    assert [b.start_on for b in services.blocks_for(resident)] == [
        date(2026, 7, 1),
        date(2026, 7, 29),
    ]


def _csv(*lines: str) -> str:
    return "\n".join(["email,rotation,start,end", *lines]) + "\n"


@pytest.fixture
def roster(app_ctx, make_resident, make_rotation, make_block):
    ana = make_resident(email="ana@example.test")
    ben = make_resident(email="ben@example.test")
    micu = make_rotation("MICU", "icu")
    clinic = make_rotation("Ambulatory block", "ambulatory")
    make_block(ben, clinic, date(2026, 9, 1), date(2026, 9, 28))
    return ana, ben, micu, clinic


def test_import_applies_a_good_file(roster):
    ana, ben, _micu, _clinic = roster
    blocks = services.apply_import(
        _csv(
            "ANA@example.test,micu,2026-07-01,2026-07-28",
            "ana@example.test,Ambulatory block,07/29/2026,08/25/2026",
            "",
            "ben@example.test,MICU,2026-09-29,2026-10-26",
        )
    )
    assert len(blocks) == 3
    assert [(b.rotation_type.name, b.start_on) for b in services.blocks_for(ana)] == [
        ("MICU", date(2026, 7, 1)),
        ("Ambulatory block", date(2026, 7, 29)),
    ]
    assert len(services.blocks_for(ben)) == 2
    assert db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "rotation_assignment.import")
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("nobody@example.test,MICU,2026-07-01,2026-07-28", "unknown resident nobody@example.test"),
        ("ana@example.test,Cardiology,2026-07-01,2026-07-28", "unknown rotation “Cardiology”"),
        ("ana@example.test,MICU,2026-07-28,2026-07-01", "end is before start"),
        ("ana@example.test,MICU,July 1,2026-07-28", "is not a date"),
        ("ben@example.test,MICU,2026-09-20,2026-10-05", "overlaps an existing block"),
    ],
)
def test_import_rejects_bad_rows_and_changes_nothing(roster, line, message):
    before = _block_count()
    text = _csv("ana@example.test,MICU,2026-11-01,2026-11-28", line)
    with pytest.raises(ImportErrors) as raised:
        services.apply_import(text)
    assert [line_no for line_no, _ in raised.value.errors] == [3]
    assert message in raised.value.errors[0][1]
    assert _block_count() == before


def test_import_finds_overlaps_within_the_file(roster):
    text = _csv(
        "ana@example.test,MICU,2026-07-01,2026-07-28",
        "ben@example.test,MICU,2026-07-01,2026-07-28",
        "ana@example.test,Ambulatory block,2026-07-20,2026-08-10",
    )
    preview = services.parse_import(text)
    assert preview.errors == [(4, preview.errors[0][1])]
    assert "overlaps line 2" in preview.errors[0][1]
    with pytest.raises(ImportErrors):
        services.apply_import(text)
    assert _block_count() == 1


def test_import_reports_missing_columns(app_ctx):
    preview = services.parse_import("resident,rotation\nx,y\n")
    assert preview.errors
    assert preview.errors[0][0] == 1
    assert "start" in preview.errors[0][1]


def test_cli_import_dry_run_then_real(roster, runner, tmp_path):
    path = tmp_path / "blocks.csv"
    path.write_text(_csv("ana@example.test,MICU,2026-07-01,2026-07-28"), encoding="utf-8")
    db.session.commit()
    before = _block_count()
    result = runner.invoke(args=["rotations", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 block(s) would be imported" in result.output
    db.session.rollback()
    assert _block_count() == before

    result = runner.invoke(args=["rotations", "import", str(path)])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert _block_count() == before + 1

    bad = tmp_path / "bad.csv"
    bad.write_text(_csv("zed@example.test,MICU,2026-12-01,2026-12-28"), encoding="utf-8")
    result = runner.invoke(args=["rotations", "import", str(bad)])
    assert result.exit_code != 0
    assert "line 2: unknown resident zed@example.test" in result.output
    db.session.rollback()
    assert _block_count() == before + 1


def test_import_page_previews_then_imports(roster, client, auth, make_user):
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")
    good = _csv("ana@example.test,MICU,2026-07-01,2026-07-28").encode()
    response = client.post(
        "/rotations/import",
        data={"file": (io.BytesIO(good), "blocks.csv"), "preview": "Preview"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert b"1 block(s) ready to import" in response.data
    db.session.rollback()
    assert _block_count() == 1  # preview changes nothing

    response = client.post(
        "/rotations/import",
        data={"csv_text": good.decode(), "filename": "blocks.csv", "confirm": "Import"},
    )
    assert response.status_code == 303
    db.session.rollback()
    assert _block_count() == 2

    bad = _csv("nobody@example.test,MICU,2026-07-01,2026-07-28").encode()
    response = client.post(
        "/rotations/import",
        data={"file": (io.BytesIO(bad), "bad.csv"), "preview": "Preview"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert b"Line 2: unknown resident nobody@example.test" in response.data


def test_resident_sees_own_blocks_only_and_cannot_edit(
    app_ctx, client, auth, make_resident, make_rotation, make_block
):
    me = make_resident(email="me@example.test")
    other = make_resident(email="other@example.test")
    wards = make_rotation("General medicine wards")
    make_block(me, wards, date(2026, 7, 1), date(2026, 7, 28))
    db.session.commit()
    auth.login("me@example.test")
    page = client.get(f"/rotations/residents/{me.id}")
    assert page.status_code == 200
    assert b"General medicine wards" in page.data
    assert client.get(f"/rotations/residents/{other.id}").status_code == 403
    assert client.get("/rotations").status_code == 403
    response = client.post(
        f"/rotations/residents/{me.id}/blocks",
        data={"rotation": wards.id, "start_on": "2026-08-01", "end_on": "2026-08-28"},
    )
    assert response.status_code == 403


def test_coordinator_adds_block_and_sees_overlap_message(
    app_ctx, client, auth, make_user, make_resident, make_rotation, make_block
):
    make_user(roles=("coordinator",), email="coord@example.test")
    resident = make_resident()
    micu = make_rotation("MICU", "icu")
    make_block(resident, micu, date(2026, 7, 1), date(2026, 7, 28))
    db.session.commit()
    auth.login("coord@example.test")
    response = client.post(
        f"/rotations/residents/{resident.id}/blocks",
        data={"rotation": micu.id, "start_on": "2026-07-20", "end_on": "2026-08-10"},
    )
    assert response.status_code == 400
    assert b"already has a block" in response.data
    response = client.post(
        f"/rotations/residents/{resident.id}/blocks",
        data={"rotation": micu.id, "start_on": "2026-07-29", "end_on": "2026-08-10"},
    )
    assert response.status_code == 303
    db.session.rollback()
    assert _block_count() == 2


def test_where_is_everyone_groups_residents_by_rotation(
    app_ctx, client, auth, make_user, make_resident, make_rotation, make_block
):
    ana = make_resident(name="Ana Alvarez")
    ben = make_resident(name="Ben Brown")
    make_resident(name="Cyd Chen")
    micu = make_rotation("MICU", "icu")
    clinic = make_rotation("Ambulatory block", "ambulatory")
    make_block(ana, micu, date(2026, 10, 1), date(2026, 10, 28))
    make_block(ben, clinic, date(2026, 10, 1), date(2026, 10, 14))
    make_block(ben, micu, date(2026, 10, 15), date(2026, 10, 28))
    weeks, unplaced = services.where_is_everyone(date(2026, 10, 14))
    by_name = {w.rotation.name: [u.name for u, _ in w.entries] for w in weeks}
    assert by_name == {"MICU": ["Ana Alvarez", "Ben Brown"], "Ambulatory block": ["Ben Brown"]}
    assert [u.name for u in unplaced] == ["Cyd Chen"]

    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")
    page = client.get("/rotations?week=2026-10-14")
    assert page.status_code == 200
    assert b"Ana Alvarez" in page.data
    assert b"Cyd Chen" in page.data


def test_rotation_audience_resolves_per_session_date(
    clock, make_resident, make_rotation, make_block, make_session
):
    """A series for "residents on ambulatory" follows the block schedule, date by date."""
    ana = make_resident()
    ben = make_resident()
    clinic = make_rotation("Ambulatory block", "ambulatory")
    wards = make_rotation("General medicine wards")
    make_block(ana, clinic, date(2026, 10, 1), date(2026, 10, 14))
    make_block(ana, wards, date(2026, 10, 15), date(2026, 10, 28))
    make_block(ben, wards, date(2026, 10, 1), date(2026, 10, 14))
    make_block(ben, clinic, date(2026, 10, 15), date(2026, 10, 28))
    first = make_session(on=date(2026, 10, 6), audience={"settings": ["ambulatory"]})
    second = make_session(on=date(2026, 10, 20), audience={"settings": ["ambulatory"]})
    by_type = make_session(on=date(2026, 10, 20), audience={"rotations": [wards.id]})

    assert [u.id for u in db.session.scalars(session_residents(first))] == [ana.id]
    assert [u.id for u in db.session.scalars(session_residents(second))] == [ben.id]
    assert in_audience(first, facts_for(ana))
    assert not in_audience(first, facts_for(ben))
    assert rules.expected_resident_ids(second) == {ben.id}
    assert rules.expected_resident_ids(by_type) == {ana.id}
    evaluation = evaluate(date(2026, 10, 1), date(2026, 10, 31))
    assert evaluation.expected[first.id] == {ana.id}
    assert evaluation.expected[second.id] == {ben.id}
    assert evaluation.expected[by_type.id] == {ana.id}
