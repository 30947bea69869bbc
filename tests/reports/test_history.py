"""Reports across academic years: a range spanning 30 June, the academic-year picker, and a
resident's whole residency (page, CSV, Excel) against each year's own threshold."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import openpyxl

from conferences.attendance.models import Attendance, Excusal
from conferences.extensions import db
from conferences.program.services import set_threshold
from conferences.reports import filters, overview, residency
from conferences.teaching.models import TeachingSlot


def _attend(session, resident) -> None:
    db.session.add(
        Attendance(session_id=session.id, resident_id=resident.id, mark="present", source="x")
    )


def test_a_range_spanning_30_june_counts_each_side_by_its_own_year(clock, make_user, make_session):
    clock.set(datetime(2027, 7, 20, 16, 0, tzinfo=UTC))
    intern = make_user(roles=("resident",), name="Ian Intern", start_year=2026)
    senior = make_user(roles=("resident",), name="Sam Senior", start_year=2024)
    june = make_session(on=date(2027, 6, 28), audience={"pgy": [1]}, required=True)
    july = make_session(on=date(2027, 7, 2), audience={"pgy": [2]}, required=True)
    both = make_session(on=date(2027, 6, 29), required=True)
    _attend(june, intern)
    _attend(both, senior)
    db.session.flush()
    view = overview.overview(filters.Filters(date(2027, 6, 15), date(2027, 7, 15)))
    lines = {line.name: line for line in view.residents}
    assert (lines["Ian Intern"].expected, lines["Ian Intern"].attended) == (3, 1)
    assert (lines["Sam Senior"].expected, lines["Sam Senior"].attended) == (1, 1)
    assert july.id in view.evaluation.expected


def test_the_year_picker_sets_the_range_and_keeps_other_filters(
    clock, make_user, make_session, client, auth
):
    coordinator = make_user(roles=("coordinator",), email="c@example.test")
    make_session(on=date(2025, 9, 1))
    db.session.commit()
    reading = filters.read_filters({"year": "2025-2026", "pgy": "2"})
    assert (reading.filters.start_on, reading.filters.end_on) == (
        date(2025, 7, 1),
        date(2026, 6, 30),
    )
    assert reading.filters.pgy == 2
    assert filters.read_filters({"year": "2025-2029"}).problems
    auth.login(coordinator.email)
    html = client.get("/reports?year=2025").text
    assert 'value="2025-07-01"' in html
    assert 'value="2026-06-30"' in html
    assert "Academic year:" in html
    assert "year=2026" in html
    assert "2025–26" in html
    assert "2027–28" in html


def _two_years(make_user, make_session):
    """A PGY-2 (started 2025) with a year and a bit of records, and a faculty member."""
    resident = make_user(roles=("resident",), name="Pam Second", start_year=2025)
    set_threshold(2025, 80)
    set_threshold(2026, 70)
    last_year = [make_session(on=date(2025, 9, day), required=True) for day in (1, 2, 3, 4, 5)]
    this_year = [make_session(on=date(2026, 10, day), required=True) for day in (5, 6, 7, 8)]
    for session in last_year[:3] + this_year[:3]:
        _attend(session, resident)
    db.session.add(
        TeachingSlot(session_id=this_year[3].id, role="case_presenter", holder_id=resident.id)
    )
    db.session.add(
        Excusal(
            resident_id=resident.id,
            starts_on=date(2025, 12, 1),
            ends_on=date(2025, 12, 2),
            reason="conference",
            status="approved",
        )
    )
    db.session.flush()
    return resident


def test_the_whole_residency_shows_each_year_against_its_threshold(clock, make_user, make_session):
    resident = _two_years(make_user, make_session)
    report = residency.residency(resident)
    assert [(y.label, y.pgy) for y in report.years] == [("2025–26", 1), ("2026–27", 2)]
    first, second = report.years
    assert (first.expected, first.attended, first.threshold, first.below) == (5, 3, 80, True)
    assert (second.expected, second.attended, second.threshold, second.below) == (4, 3, 70, False)
    assert (first.excusals, first.excusals_approved, first.teaching) == (1, 1, 0)
    assert (second.teaching, second.teaching_hours) == (1, 1.0)
    assert second.in_progress


def test_the_residency_page_and_its_exports(clock, make_user, make_session, client, auth):
    resident = _two_years(make_user, make_session)
    coordinator = make_user(roles=("coordinator",), email="c@example.test")
    db.session.commit()
    auth.login(coordinator.email)
    assert "Whole residency" in client.get(f"/reports/residents/{resident.id}").text
    html = client.get(f"/reports/residents/{resident.id}/residency").text
    assert "Pam Second: whole residency" in html
    assert "2025–26" in html
    assert "2026–27" in html
    assert "below threshold" in html
    assert "meets threshold (so far)" in html
    assert "start=2025-07-01" in html  # each year links to that year's detail
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/reports/residents/{resident.id}/residency.csv").data.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert rows[0][:3] == ["Academic year", "PGY", "Expected"]
    assert [r[0] for r in rows[1:]] == ["2025–26", "2026–27"]
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/reports/residents/{resident.id}/residency.xlsx").data)
    )
    values = [[cell.value for cell in row] for row in book.worksheets[0].iter_rows()]
    assert any(row and row[0] == "2026–27" for row in values)


def test_residents_cannot_read_another_residency(clock, make_user, client, auth):
    me = make_user(roles=("resident",), email="me@example.test", start_year=2026)
    other = make_user(roles=("resident",), start_year=2025)
    db.session.commit()
    auth.login(me.email)
    assert client.get(f"/reports/residents/{other.id}/residency").status_code == 403
