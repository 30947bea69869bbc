"""Exports with filters carry the filters in their file name and in their title."""

from __future__ import annotations

import io

import openpyxl

from conferences.extensions import db
from conferences.reports import export_names
from conferences.reports.filters import Filters


def _filename(response) -> str:
    disposition = response.headers["Content-Disposition"]
    return disposition.split('filename="', 1)[1].rstrip('"')


def _login_coordinator(client, auth, make_user):
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")


def test_filters_are_in_the_file_name_and_the_title(
    client, auth, make_user, make_firm, make_series
):
    firm = make_firm("Osler")
    series = make_series(title="Noon Conference")
    _login_coordinator(client, auth, make_user)
    args = f"start=2026-07-01&end=2027-06-30&pgy=1&firm={firm.id}&series={series.id}"

    response = client.get(f"/reports/export/residents.csv?{args}")
    assert response.status_code == 200
    assert (
        _filename(response)
        == "residents-2026-07-01-2027-06-30-pgy-1-osler-firm-noon-conference.csv"
    )

    response = client.get(f"/reports/export/residents.xlsx?{args}")
    assert _filename(response).endswith("-pgy-1-osler-firm-noon-conference.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    title = "Attendance 2026-07-01 to 2027-06-30 · PGY-1 · Osler firm · Noon Conference"
    assert book.worksheets[0]["A1"].value == title
    assert book.properties.title == title


def test_without_filters_the_name_has_only_the_dates(client, auth, make_user):
    _login_coordinator(client, auth, make_user)
    response = client.get("/reports/export/firms.csv?start=2026-07-01&end=2027-06-30")
    assert _filename(response) == "firms-2026-07-01-2027-06-30.csv"


def test_a_residents_export_names_them_and_the_filters(
    client, auth, make_user, make_resident, make_series
):
    resident = make_resident(email="ana.lima@example.test")
    series = make_series(title="Grand Rounds: Medicine")
    _login_coordinator(client, auth, make_user)
    response = client.get(
        f"/reports/residents/{resident.id}/detail.csv"
        f"?start=2026-07-01&end=2026-12-31&series={series.id}"
    )
    assert response.status_code == 200
    assert _filename(response) == (
        "attendance-ana-lima-detail-2026-07-01-2026-12-31-grand-rounds-medicine.csv"
    )


def test_names_are_plain_ascii_and_bounded(app_ctx, make_firm):
    firm = make_firm("Müller “Nord”")
    filters = Filters.default()
    filters = Filters(filters.start_on, filters.end_on, firm_id=firm.id)
    stem = export_names.file_stem("residents", filters)
    assert stem.endswith("-muller-nord-firm")
    assert stem.isascii()
    long = Filters(filters.start_on, filters.end_on, firm_id=make_firm("x" * 99).id)
    assert len(export_names.file_stem("r" * 100, long)) <= export_names.MAX_STEM
