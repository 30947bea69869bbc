"""Fuzzed CSV imports: schedule, roster and block schedule.

Property: a file is either accepted whole or rejected with line-numbered messages
(ImportErrors); no other exception, nothing written on rejection, and what the parser
accepts the database accepts too. The same through the upload pages: never a 500.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from itsdangerous import URLSafeTimedSerializer

from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.people import roster
from conferences.rotations import services as rotations
from conferences.schedule import importer
from tests.fuzz.conftest import (
    assert_line_numbered,
    documents,
    fuzz_settings,
    row_counts,
    uploads,
)

SCHEDULE_WORDS = (
    "2026-11-16",
    "11/17/2026",
    "12:00",
    "13:00",
    "7:30 AM",
    "8:00 PM",
    "25:61",
    "Sepsis update",
    "lecture",
    "case-based discussion",
    "seminar",
    "noon",
    "Noon Conference",
    "Room 5A",
    "https://video.example/x",
    "all",
    "PGY-1",
    "pgy-9",
    "firm:Osler",
    "firm:Nobody",
    "track:Primary Care",
    "setting:icu",
    "rotation:MICU",
    "yes",
    "no",
    "maybe",
)
ROSTER_WORDS = (
    "new@fuzz.test",
    "other@fuzz.test",
    "res@fuzz.test",
    "admin@fuzz.test",
    "not-an-email",
    "Nina New",
    "resident",
    "faculty",
    "coordinator;faculty",
    "admin",
    "wizard",
    "2025",
    "2026",
    "1899",
    "Osler",
    "Primary Care",
    "Nowhere",
)
ROSTER_COLUMNS = (*roster.COLUMNS, "role", "Start Year")
ROTATION_WORDS = (
    "res@fuzz.test",
    "RES@FUZZ.TEST",
    "fac@fuzz.test",
    "nobody@fuzz.test",
    "MICU",
    "micu",
    "Vacation",
    "2026-07-01",
    "2026-07-31",
    "2026-08-01",
    "07/01/2026",
    "8/1/26",
)
ROTATION_COLUMNS = ("email", "rotation", "start", "end", "resident email", "start date")

schedule_texts = documents(importer.COLUMNS, SCHEDULE_WORDS)
roster_texts = documents(ROSTER_COLUMNS, ROSTER_WORDS)
rotation_texts = documents(ROTATION_COLUMNS, ROTATION_WORDS)


def _accepted_writes_cleanly() -> None:
    """Whatever the parser accepted must also be storable; then drop it again."""
    db.session.flush()
    db.session.rollback()


# --------------------------------------------------------------------------- services


@fuzz_settings(40)
@given(text=schedule_texts)
def test_schedule_import_accepts_whole_files_or_rejects_with_line_numbers(program, text):
    before = row_counts()
    parsed = importer.parse(text)
    if parsed.errors:
        assert_line_numbered(parsed.errors)
        with pytest.raises(ImportErrors) as rejected:
            importer.apply(text, "fuzz.csv", program.coordinator)
        assert_line_numbered(rejected.value.errors)
        assert row_counts() == before
        return
    assert parsed.rows
    _record, created = importer.apply(text, "fuzz.csv", program.coordinator)
    assert len(created) == len(parsed.rows)
    _accepted_writes_cleanly()


@fuzz_settings(40)
@given(data=uploads(roster_texts))
def test_roster_import_accepts_whole_files_or_rejects_with_line_numbers(program, data):
    before = row_counts()
    try:
        text = roster.decode(data)
        roster.plan_roster(text, program.admin)
    except ImportErrors as rejected:
        assert_line_numbered(rejected.errors)
        assert row_counts() == before
        return
    assert row_counts() == before  # planning writes nothing
    try:
        roster.apply_roster(program.admin, text)
        _accepted_writes_cleanly()
    except DomainError:
        db.session.rollback()
        assert row_counts() == before


@fuzz_settings(40)
@given(text=rotation_texts)
def test_block_import_accepts_whole_files_or_rejects_with_line_numbers(program, text):
    before = row_counts()
    preview = rotations.parse_import(text)
    if preview.errors:
        assert_line_numbered(preview.errors)
        with pytest.raises(ImportErrors):
            rotations.apply_import(text, actor=program.coordinator, filename="fuzz.csv")
        assert row_counts() == before
        return
    blocks = rotations.apply_import(text, actor=program.coordinator, filename="fuzz.csv")
    assert len(blocks) == len(preview.rows)
    _accepted_writes_cleanly()


@pytest.mark.parametrize(
    "text",
    [
        "email,rotation,start,end\rres@fuzz.test,MICU,2026-07-01,2026-07-31\r",
        "email,rotation,start,end\n" + "y" * 140_000,
    ],
    ids=["cr-line-endings", "huge-cell"],
)
def test_block_import_reads_any_line_ending_and_rejects_unreadable_files(program, text):
    """Old-Mac line endings are read; a cell the csv module refuses is a line-numbered error."""
    preview = rotations.parse_import(text)
    if "\r" in text:
        assert preview.errors == []
        assert len(preview.rows) == 1
    else:
        assert preview.errors
        assert not preview.rows
        assert_line_numbered(preview.errors)


# --------------------------------------------------------------------------- upload pages


def _upload(data: bytes, name: str = "fuzz.csv") -> dict:
    return {"file": (io.BytesIO(data), name)}


def _text_of(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


@fuzz_settings(20)
@given(data=uploads(schedule_texts))
def test_schedule_upload_and_apply_pages_never_fail(app, program, signed_in, data):
    client = signed_in(program.coordinator)
    before = row_counts()
    preview = client.post(
        "/schedule/import", data=_upload(data), content_type="multipart/form-data"
    )
    assert preview.status_code < 500
    assert row_counts() == before  # a preview writes nothing
    text = _text_of(data)
    if not text:
        return
    rejected = bool(importer.parse(text).errors)
    db.session.rollback()
    applied = client.post("/schedule/import/apply", data={"csv_text": text, "filename": "f.csv"})
    assert applied.status_code < 500
    if rejected:
        assert row_counts() == before


@fuzz_settings(20)
@given(data=uploads(roster_texts))
def test_roster_upload_and_apply_pages_never_fail(app, program, signed_in, data):
    client = signed_in(program.admin)
    before = row_counts()
    preview = client.post("/admin/roster", data=_upload(data), content_type="multipart/form-data")
    assert preview.status_code < 500
    assert row_counts() == before
    text = _text_of(data)
    if text is None:
        assert preview.status_code == 422
        return
    try:
        roster.plan_roster(text, program.admin)
        rejected = False
    except ImportErrors:
        rejected = True
    db.session.rollback()
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="people.roster-import").dumps(
        {"csv": text}
    )
    applied = client.post("/admin/roster/apply", data={"token": token})
    assert applied.status_code < 500
    if rejected:
        assert applied.status_code == 422
        assert row_counts() == before


@fuzz_settings(20)
@given(data=uploads(rotation_texts))
def test_block_upload_and_confirm_pages_never_fail(app, program, signed_in, data):
    text = _text_of(data)
    client = signed_in(program.coordinator)
    before = row_counts()
    preview = client.post(
        "/rotations/import",
        data={**_upload(data), "preview": "Preview"},
        content_type="multipart/form-data",
    )
    assert preview.status_code < 500
    assert row_counts() == before
    if not text:
        return
    rejected = bool(rotations.parse_import(text).errors)
    db.session.rollback()
    confirmed = client.post(
        "/rotations/import", data={"csv_text": text, "filename": "f.csv", "confirm": "Import"}
    )
    assert confirmed.status_code < 500
    if rejected:
        assert confirmed.status_code == 400
        assert row_counts() == before


@pytest.mark.parametrize("name", ["N" * 201], ids=["name-too-long"])
def test_roster_names_the_database_cannot_store_are_rejected(backend, program, name):
    """A name longer than users.name's 200 characters is refused by line (PostgreSQL
    cannot store it; SQLite would have stored it silently)."""
    text = f"email,name,roles,start_year,track,firm\nnew@fuzz.test,{name},faculty,,,\n"
    before = row_counts()
    with pytest.raises(ImportErrors) as rejected:
        roster.apply_roster(program.admin, text)
    assert_line_numbered(rejected.value.errors)
    assert [line for line, _ in rejected.value.errors] == [2]
    db.session.rollback()
    assert row_counts() == before


def test_roster_names_lose_control_characters(backend, program):
    """A NUL (which PostgreSQL cannot store) or another control character in a cell is
    removed by the one text rule (``conferences.text.one_line``), like in every form."""
    from conferences.people.models import User

    text = "email,name,roles,start_year,track,firm\nnew@fuzz.test,Ann\x00 Lee\x0b,faculty,,,\n"
    roster.apply_roster(program.admin, text)
    db.session.flush()
    user = db.session.scalar(db.select(User).where(User.email == "new@fuzz.test"))
    assert user.name == "Ann Lee"
