"""Schedule CSV import: preview, all-or-nothing, line-numbered errors, undo, CLI."""

from __future__ import annotations

import io
from datetime import date, time

import pytest
from sqlalchemy import func, select

from conferences import timeutil
from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.schedule import importer, series_changes
from conferences.schedule.models import ScheduleImport, Session
from tests.schedule.conftest import series_values

GOOD = """date,start,end,title,kind,series,location,audience,required
2026-11-16,12:00,13:00,Sepsis update,lecture,,Room 5A,all,yes
11/17/2026,7:30 AM,8:00 AM,Intern report,case-based discussion,,Room 5B,PGY-1,yes
2026-11-18,13:00,14:00,Firm conference,case_based,,https://video.example/x,firm:Osler;PGY-2;PGY-3,no
2026-11-19,13:00,15:00,Clinic didactics,,,Clinic,setting:ambulatory,
"""


def _count(model=Session) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_good_file_previews_and_applies(app_ctx, clock, make_firm, coordinator):
    osler = make_firm("Osler")
    parsed = importer.parse(GOOD)
    assert parsed.errors == []
    assert [r.line for r in parsed.rows] == [2, 3, 4, 5]
    assert parsed.rows[1].start_time == time(7, 30)
    assert parsed.rows[1].audience == {"pgy": [1]}
    assert parsed.rows[2].audience == {"firms": [osler.id], "pgy": [2, 3]}
    assert parsed.rows[2].video_url
    assert not parsed.rows[2].room
    assert parsed.rows[3].audience_words == "Residents on Ambulatory"
    assert _count() == 0  # previewing saves nothing
    record, created = importer.apply(GOOD, "fall.csv", coordinator)
    assert record.session_count == 4
    assert len(created) == 4
    assert {s.import_id for s in created} == {record.id}
    first = created[0]
    assert first.starts_at == timeutil.localize(date(2026, 11, 16), time(12))


def test_broken_rows_change_nothing(app_ctx, clock, make_firm, coordinator):
    make_firm("Osler")
    broken = GOOD + (
        "2026-11-20,13:00,12:00,Backwards,lecture,,,all,yes\n"
        "2026-02-30,12:00,13:00,No such day,lecture,,,all,yes\n"
        "2026-11-23,12:00,13:00,Who,lecture,,,firm:Nobody,yes\n"
        "2026-11-24,12:00,13:00,What,seminar,,,all,maybe\n"
        "2026-11-25,12:00,13:00,Which,lecture,no-such-series,,,\n"
    )
    parsed = importer.parse(broken)
    lines = [line for line, _ in parsed.errors]
    assert lines == [6, 7, 8, 9, 10]
    messages = dict(parsed.errors)
    assert "end is not after start" in messages[6].lower()
    assert "unknown audience" in messages[8].lower()
    assert "unknown kind" in messages[9].lower()
    assert "yes or no" in messages[9]
    assert "unknown series" in messages[10].lower()
    with pytest.raises(ImportErrors) as caught:
        importer.apply(broken, "broken.csv", coordinator)
    assert len(caught.value.errors) == 5
    db.session.rollback()
    assert _count() == 0
    assert _count(ScheduleImport) == 0


def test_missing_columns_are_reported_on_line_one(app_ctx):
    parsed = importer.parse("when,title\n2026-11-16,x\n")
    assert parsed.errors[0][0] == 1
    assert "Missing column" in parsed.errors[0][1]


def test_series_rows_cannot_duplicate_an_occurrence(app_ctx, clock, coordinator):
    series = series_changes.create_series(series_values(slug="noon"), coordinator)
    series_changes.generate_sessions(series, coordinator)
    text = "date,start,end,series\n2026-11-16,12:00,13:00,noon\n2026-12-05,12:00,13:00,noon\n"
    parsed = importer.parse(text)
    assert [line for line, _ in parsed.errors] == [2]
    assert len(parsed.rows) == 2  # the Saturday row is fine on its own
    assert parsed.rows[1].title == "Noon Conference"
    assert parsed.rows[1].required


def test_undo_last_import_only_while_nothing_depends_on_it(
    app_ctx, clock, make_firm, make_resident, coordinator
):
    from conferences.attendance.models import Attendance

    make_firm("Osler")
    first, _ = importer.apply(GOOD, "one.csv", coordinator)
    clock.advance(minutes=1)
    second, created = importer.apply(GOOD.replace("2026-11-1", "2026-12-1"), "two.csv", coordinator)
    with pytest.raises(DomainError, match="most recent"):
        importer.undo(first, coordinator)
    resident = make_resident()
    mark = Attendance(
        session_id=created[0].id, resident_id=resident.id, mark="present", source="manual"
    )
    db.session.add(mark)
    db.session.flush()
    assert importer.undo_blockers(second)
    with pytest.raises(DomainError, match="cannot be undone"):
        importer.undo(second, coordinator)
    db.session.delete(mark)
    db.session.flush()
    assert importer.undo(second, coordinator) == 4
    assert second.undone_at is not None
    assert _count() == 4
    assert importer.last_import() == first


def test_import_pages_preview_then_apply(login_as, coordinator, make_firm):
    make_firm("Osler")
    client = login_as(coordinator)
    page = client.get("/schedule/import")
    assert b"setting:ambulatory" in page.data  # the audience syntax is documented
    preview = client.post(
        "/schedule/import",
        data={"file": (io.BytesIO(GOOD.encode()), "fall.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    assert b"Preview: 4 session(s)" in preview.data
    assert _count() == 0
    applied = client.post(
        "/schedule/import/apply",
        data={"csv_text": GOOD, "filename": "fall.csv"},
        follow_redirects=True,
    )
    assert b"Imported 4 session(s)" in applied.data
    assert _count() == 4
    record = db.session.scalar(select(ScheduleImport))
    undone = client.post(f"/schedule/import/{record.id}/undo", follow_redirects=True)
    assert b"removed 4 session(s)" in undone.data
    assert _count() == 0


def test_import_page_shows_line_numbered_errors(login_as, coordinator):
    client = login_as(coordinator)
    bad = "date,start,end,title\n2026-11-16,12:00,13:00,Fine\nsoon,12:00,13:00,Bad\n"
    response = client.post(
        "/schedule/import",
        data={"file": (io.BytesIO(bad.encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert b"Line 3:" in response.data
    assert b"nothing was imported" in response.data
    assert _count() == 0


def test_cli_import_generate_and_holidays(runner, app_ctx, clock, tmp_path, make_firm):
    make_firm("Osler")
    db.session.commit()
    result = runner.invoke(args=["schedule", "holidays", "2026"])
    assert result.exit_code == 0
    assert "Added 13 federal holiday(s)" in result.output
    path = tmp_path / "fall.csv"
    path.write_text(GOOD)
    result = runner.invoke(args=["schedule", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 4 session(s)" in result.output
    path.write_text(GOOD + "2026-11-20,13:00,12:00,Backwards,lecture,,,all,yes\n")
    result = runner.invoke(args=["schedule", "import", str(path)])
    assert result.exit_code != 0
    assert "line 6" in result.output
    series = series_changes.create_series(series_values(slug="noon"), actor=None)
    db.session.commit()
    result = runner.invoke(args=["schedule", "generate", "noon"])
    assert result.exit_code == 0
    assert "Created 14 session(s); skipped 2 on holidays" in result.output
    assert runner.invoke(args=["schedule", "generate", "nope"]).exit_code != 0
    db.session.expire_all()
    assert _count() == 4 + 14
    assert series.id
