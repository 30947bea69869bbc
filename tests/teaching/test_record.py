"""The teaching record: totals by academic year and kind, CSV export."""

from __future__ import annotations

import csv
import io
from datetime import date, time

from conferences.teaching.record import record_csv, teaching_record


def test_totals_by_academic_year_and_kind(clock, faculty, other_faculty, make_session, make_slot):
    # Academic year 2025–26 (before 1 July 2026) and 2026–27; clock is 2026-11-04.
    s1 = make_session(on=date(2026, 3, 2), kind="lecture", minutes=60)
    s2 = make_session(on=date(2026, 9, 1), kind="lecture", minutes=90)
    s3 = make_session(on=date(2026, 10, 1), kind="journal_club", minutes=60)
    s4 = make_session(on=date(2026, 12, 1), kind="lecture", minutes=60)  # upcoming
    cancelled = make_session(on=date(2026, 10, 2), kind="lecture", status="cancelled")
    make_slot(session=s1, holder=faculty)
    make_slot(session=s2, holder=faculty)
    make_slot(session=s2, role="discussant", holder=faculty)  # same session: counted once
    make_slot(session=s3, role="journal_club_presenter", holder=faculty)
    make_slot(session=s4, holder=faculty)
    make_slot(session=cancelled, holder=faculty)
    make_slot(session=s3, role="discussant", holder=other_faculty)

    record = teaching_record(faculty)
    assert [s.session.id for s in record.upcoming] == [s4.id]
    assert [s.session.id for s in record.past] == [s3.id, s2.id, s2.id, s1.id]
    assert record.sessions_taught == 3
    assert record.hours_taught == 3.5
    years = {y.year: y for y in record.years}
    assert [y.year for y in record.years] == [2026, 2025]
    assert (years[2026].sessions, years[2026].hours, years[2026].upcoming) == (2, 2.5, 1)
    kinds = {k.kind: k for k in years[2026].kinds}
    assert (kinds["lecture"].sessions, kinds["lecture"].hours, kinds["lecture"].upcoming) == (
        1,
        1.5,
        1,
    )
    assert (kinds["journal_club"].sessions, kinds["journal_club"].hours) == (1, 1.0)
    assert (years[2025].sessions, years[2025].hours) == (1, 1.0)


def test_csv_export_rows_and_formula_safety(clock, faculty, make_session, make_slot):
    session = make_session(on=date(2026, 10, 5), start=time(12, 0), minutes=60, title="=cmd()")
    make_slot(session=session, holder=faculty, talk_title="Anemia")
    rows = list(csv.DictReader(io.StringIO(record_csv(teaching_record(faculty)))))
    assert rows == [
        {
            "academic_year": "2026–27",
            "date": "2026-10-05",
            "start": "12:00",
            "end": "13:00",
            "session": "'=cmd()",
            "series": "",
            "kind": "Lecture",
            "role": "Lecturer",
            "talk_title": "Anemia",
            "hours": "1.00",
            "status": "taught",
        }
    ]
