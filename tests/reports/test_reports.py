"""Reports: totals against a brute-force recount, exports read back, roles, outlook, digest."""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

import openpyxl
import pytest
from sqlalchemy import event, func, select

from conferences import timeutil
from conferences.attendance import rules
from conferences.attendance.models import Attendance, Excusal, ExcusalSession
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.program.services import set_threshold
from conferences.reports.coverage import coverage_table, target_shares
from conferences.reports.filters import Filters, read_filters
from conferences.reports.overview import Overview, overview
from conferences.reports.resident import outlook
from conferences.reports.tables import Column, Table, percent
from conferences.schedule.models import Session, SessionTopic

YEAR = Filters(date(2026, 7, 1), date(2027, 6, 30))


@contextmanager
def count_queries():
    counter = [0]

    def on_execute(*_args):
        counter[0] += 1

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)


@pytest.fixture
def build_program(
    clock,
    make_firm,
    make_track,
    make_resident,
    make_series,
    make_session,
    make_rotation,
    make_block,
):
    """A small program shaped like the demo: classes, firms, tracks, rotations, varied
    audiences, optional and cancelled sessions, marks, visitors and excusals."""

    def build(residents_per_class: int = 4, weeks: int = 8, seed: int = 1) -> dict:
        rng = random.Random(seed)
        firms = [make_firm() for _ in range(3)]
        tracks = [make_track() for _ in range(2)]
        residents = [
            make_resident(pgy=pgy, firm=rng.choice(firms), track=rng.choice(tracks))
            for pgy in (1, 2, 3)
            for _ in range(residents_per_class)
        ]
        types = [
            make_rotation(f"MICU {seed}", "icu"),
            make_rotation(f"Wards {seed}", "inpatient"),
            make_rotation(f"Clinic {seed}", "ambulatory"),
            make_rotation(f"Vacation {seed}", "vacation"),
            make_rotation(f"ED {seed}", "ed"),
        ]
        first_day = date(2026, 9, 7)  # a Monday
        for resident in residents:
            day = first_day
            while day < first_day + timedelta(weeks=weeks):
                make_block(resident, rng.choice(types), day, day + timedelta(days=13))
                day += timedelta(days=14)
        noon = make_series(title=f"Noon {seed}")
        intern = make_series(title=f"Intern report {seed}", audience={"pgy": [1]})
        firm = make_series(title=f"Firm {seed}", audience={"firms": [firms[0].id]})
        clinic = make_series(
            title=f"Clinic didactics {seed}", audience={"settings": ["ambulatory"]}
        )
        club = make_series(title=f"Journal club {seed}", required=False)
        sessions = []
        for offset in range(weeks * 7):
            day = first_day + timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            sessions.append(
                make_session(
                    on=day,
                    series_id=noon.id,
                    status="cancelled" if offset % 17 == 3 else "scheduled",
                )
            )
            kinds = {1: intern, 2: clinic, 3: firm, 4: club}
            if day.weekday() in kinds:
                series = kinds[day.weekday()]
                sessions.append(
                    make_session(
                        on=day,
                        start=time(8, 0),
                        series_id=series.id,
                        audience=series.audience,
                        required=series.required,
                    )
                )
        held = [s for s in sessions if s.starts_at <= timeutil.now_utc()]
        rows = []
        for session in held:
            for resident in residents:
                roll = rng.random()
                mark = (
                    "present"
                    if roll < 0.6
                    else "late"
                    if roll < 0.7
                    else "absent"
                    if roll < 0.75
                    else "excused"
                    if roll < 0.78
                    else None
                )
                if mark:
                    rows.append(
                        Attendance(
                            session_id=session.id,
                            resident_id=resident.id,
                            mark=mark,
                            source="manual",
                        )
                    )
        db.session.add_all(rows)
        for i, resident in enumerate(rng.sample(residents, 5)):
            start = first_day + timedelta(days=rng.randrange(weeks * 7))
            status = ("approved", "approved", "pending", "denied", "approved")[i]
            excusal = Excusal(
                resident_id=resident.id,
                starts_on=start,
                ends_on=start + timedelta(days=rng.randrange(4)),
                reason="illness",
                status=status,
                requested_by_id=resident.id,
            )
            if i == 4:
                picked = rng.sample(held, 3)
                excusal.session_rows = [ExcusalSession(session_id=s.id) for s in picked]
                days = [timeutil.local_date(s.starts_at) for s in picked]
                excusal.starts_on, excusal.ends_on = min(days), max(days)
            db.session.add(excusal)
        db.session.flush()
        return {"residents": residents, "sessions": sessions, "firms": firms, "noon": noon}

    return build


def brute_force(filters: Filters):
    """Per session, with the per-session rule functions, summed by resident/series/month."""
    attended_marks = rules.attended_marks()
    first, last = timeutil.range_bounds(filters.start_on, filters.end_on)
    by_resident: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    by_month: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    now = timeutil.now_utc()
    sessions = db.session.scalars(
        select(Session).where(Session.starts_at >= first, Session.starts_at < last)
    )
    for session in sessions:
        if session.starts_at > now:
            continue
        expected = rules.expected_resident_ids(session)
        marks = rules.marks_for(session)
        attended = {r for r in expected if marks.get(r) in attended_marks}
        month = timeutil.local_date(session.starts_at).strftime("%Y-%m")
        by_month[month][0] += len(expected)
        by_month[month][1] += len(attended)
        for rid in expected:
            by_resident[rid][0] += 1
            by_resident[rid][1] += rid in attended
    return by_resident, by_month


def _check_against_brute_force(filters: Filters) -> Overview:
    view = overview(filters)
    by_resident, by_month = brute_force(filters)
    assert view.total.expected == sum(e for e, _ in by_resident.values())
    assert view.total.attended == sum(a for _, a in by_resident.values())
    for line in view.residents:
        assert (line.expected, line.attended) == tuple(by_resident.get(line.id, (0, 0))), line.name
    assert {m: (t.expected, t.attended) for m, t in view.by_month.items()} == {
        m: tuple(v) for m, v in by_month.items()
    }
    return view


@pytest.mark.parametrize("late_counts", [True, False])
def test_overview_equals_brute_force_recount(build_program, late_counts):
    from conferences.program.services import get_settings

    build_program()
    get_settings().late_counts_as_attended = late_counts
    db.session.flush()
    view = _check_against_brute_force(YEAR)
    assert view.total.expected > 100
    assert 0 < view.total.attended < view.total.expected


def test_overview_on_the_demo_program_equals_brute_force(app_ctx, clock):
    """The real demo loaders, one month, recounted session by session."""
    from conferences.demo import load_demo

    load_demo()
    db.session.flush()
    view = _check_against_brute_force(Filters(date(2026, 10, 1), date(2026, 10, 31)))
    assert len(view.residents) > 150
    assert view.total.expected > 1000


def test_overview_query_count_does_not_grow(build_program):
    build_program(residents_per_class=2, weeks=2, seed=1)
    overview(YEAR)  # creates the settings row on first use
    db.session.flush()
    with count_queries() as small:
        overview(YEAR)
    build_program(residents_per_class=6, weeks=8, seed=2)
    db.session.flush()
    db.session.expire_all()
    with count_queries() as large:
        view = overview(YEAR)
    assert len(view.residents) == 24
    assert large[0] == small[0]
    assert large[0] <= 15


def test_filters_narrow_the_overview(build_program):
    program = build_program()
    firm = program["firms"][0]
    everyone = overview(YEAR)
    one_firm = overview(Filters(YEAR.start_on, YEAR.end_on, firm_id=firm.id))
    interns = overview(Filters(YEAR.start_on, YEAR.end_on, pgy=1))
    noon = overview(Filters(YEAR.start_on, YEAR.end_on, series_id=program["noon"].id))
    assert {r.firm for r in one_firm.residents} == {firm.name}
    assert {r.pgy for r in interns.residents} == {1}
    assert list(noon.by_series) == [program["noon"].title]
    assert one_firm.total.expected < everyone.total.expected
    assert one_firm.total.expected == everyone.by_firm[firm.name].expected


def _login_coordinator(client, auth, make_user):
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")


def test_csv_and_excel_exports_read_back(build_program, client, auth, make_user):
    program = build_program()
    firm = program["firms"][0]
    _login_coordinator(client, auth, make_user)
    args = f"start=2026-07-01&end=2027-06-30&firm={firm.id}"
    view = overview(Filters(YEAR.start_on, YEAR.end_on, firm_id=firm.id))

    response = client.get(f"/reports/export/residents.csv?{args}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["Resident"] for r in rows] == [r.name for r in view.residents]
    assert {r["Firm"] for r in rows} == {firm.name}
    for row, line in zip(rows, view.residents, strict=True):
        assert int(row["Expected"]) == line.expected
        assert int(row["Attended"]) == line.attended
        if line.rate is not None:
            assert float(row["Rate (%)"]) == pytest.approx(line.rate * 100, abs=0.05)

    response = client.get(f"/reports/export/residents.xlsx?{args}")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header_at = next(i for i, row in enumerate(values) if row and row[0] == "Resident")
    header, data = values[header_at], values[header_at + 1 :]
    assert [row[0] for row in data] == [r.name for r in view.residents]
    rate_col = header.index("Rate")
    expected_col = header.index("Expected")
    for row, line in zip(data, view.residents, strict=True):
        assert row[expected_col] == line.expected
        assert row[rate_col] == pytest.approx(line.rate)
    rate_cell = sheet.cell(row=header_at + 2, column=rate_col + 1)
    assert "%" in rate_cell.number_format

    response = client.get(f"/reports/export/overview.xlsx?{args}")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert [s.title for s in book.worksheets][:4] == [
        "Rate by class",
        "Rate by firm",
        "Rate by series",
        "Trend by month",
    ]

    for name in ("classes", "firms", "series", "months", "below", "sessions", "coverage"):
        for fmt in ("csv", "xlsx"):
            assert client.get(f"/reports/export/{name}.{fmt}?{args}").status_code == 200, name
    assert client.get("/reports/export/nothing.csv").status_code == 404


def test_export_neutralises_formulas(app_ctx):
    from conferences.reports.exports import to_csv

    table = Table("t", "T", [Column("name", "Name")], [["=HYPERLINK(1)"]])
    assert "'=HYPERLINK(1)" in to_csv(table).decode("utf-8-sig")


def test_residents_see_only_their_own_attendance(
    clock, client, auth, make_resident, make_user, make_session
):
    me = make_resident(email="me@example.test", name="Mia Me")
    other = make_resident(email="other@example.test", name="Otto Other")
    make_user(roles=("faculty",), email="fac@example.test")
    session = make_session(on=date(2026, 10, 6), title="Sepsis update")
    db.session.add(
        Attendance(session_id=session.id, resident_id=me.id, mark="present", source="manual")
    )
    db.session.commit()

    auth.login("me@example.test")
    page = client.get("/my/attendance")
    assert page.status_code == 200
    assert b"Otto Other" not in page.data
    assert b"Sepsis update" in page.data
    assert b"100.0 %" in page.data
    for url in (
        "/reports",
        "/reports/residents",
        "/reports/sessions",
        "/reports/coverage",
        f"/reports/residents/{other.id}",
        f"/reports/residents/{me.id}",
        f"/reports/residents/{other.id}/detail.csv",
        "/reports/export/residents.csv",
        f"/reports/sessions/{session.public_id}",
    ):
        assert client.get(url).status_code == 403, url
    detail = client.get("/my/attendance/detail.csv")
    assert detail.status_code == 200
    assert "Sepsis update" in detail.data.decode("utf-8-sig")

    auth.logout()
    auth.login("fac@example.test")
    assert client.get("/my/attendance").status_code == 403
    assert client.get("/reports").status_code == 403


def test_coordinator_pages_render(build_program, client, auth, make_user):
    program = build_program()
    _login_coordinator(client, auth, make_user)
    resident = program["residents"][0]
    session = program["sessions"][0]
    overview = client.get("/reports?start=2026-07-01&end=2027-06-30")
    assert overview.status_code == 200
    assert overview.data.count(b"<svg") == 4
    assert b"<title>" in overview.data
    for url in (
        "/reports/residents",
        "/reports/sessions",
        "/reports/coverage",
        f"/reports/residents/{resident.id}",
        f"/reports/sessions/{session.public_id}",
        f"/reports/sessions/{session.public_id}/attendance.xlsx",
        f"/reports/residents/{resident.id}/detail.xlsx",
        f"/reports/residents/{resident.id}/excusals.csv",
    ):
        assert client.get(url).status_code == 200, url
    assert resident.name.encode() in client.get(f"/reports/residents/{resident.id}").data


def test_outlook_counts_what_is_still_needed(clock, make_resident, make_session):
    resident = make_resident()
    set_threshold(2026, 70)
    past = [make_session(on=date(2026, 10, d)) for d in (5, 6, 7, 8, 9, 12, 13, 14, 15, 16)]
    for d in range(16, 26):
        make_session(on=date(2026, 11, d))
    for session in past[:5]:
        db.session.add(
            Attendance(session_id=session.id, resident_id=resident.id, mark="present", source="x")
        )
    db.session.flush()
    look = outlook(resident)
    assert (look.expected, look.attended, look.upcoming) == (10, 5, 10)
    # 70 % of 20 = 14 sessions; 5 attended, so 9 more of the 10 left.
    assert look.target == 14
    assert look.needed == 9
    assert look.reachable
    assert look.below
    assert not look.on_track  # 50 % pace gives 5 more, 4 short
    assert "9 more of the 10 remaining" in look.summary()
    assert "about 4 short" in look.summary()

    # Next year's threshold does not change this year's.
    set_threshold(2027, 50)
    assert outlook(resident).target == 14


def test_attendance_digest_goes_to_coordinators_once_a_week(
    clock, runner, make_user, make_resident, make_session
):
    make_user(roles=("coordinator",), email="coord@example.test")
    low = make_resident(name="Lou Low")
    make_resident(name="Hal High")
    sessions = [make_session(on=date(2026, 10, d)) for d in (5, 6, 7, 8)]
    for session in sessions:
        db.session.add(
            Attendance(
                session_id=session.id,
                resident_id=low.id,
                mark="present" if session is sessions[0] else "absent",
                source="manual",
            )
        )
    db.session.commit()

    result = runner.invoke(args=["reports", "at-risk-digest"])
    assert result.exit_code == 0, result.output
    assert "1 digest(s) sent" in result.output
    messages = db.session.scalars(select(OutboxMessage)).all()
    assert len(messages) == 1
    assert "Lou Low: 25.0 %" in messages[0].body
    assert "Hal High" in messages[0].body  # 0 of 4: below as well

    clock.advance(days=2)  # same ISO week
    result = runner.invoke(args=["reports", "at-risk-digest"])
    assert "0 digest(s) sent" in result.output
    clock.set(datetime(2026, 11, 10, 15, 0, tzinfo=UTC))  # next week
    runner.invoke(args=["reports", "at-risk-digest"])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


def test_curriculum_coverage_splits_hours_by_topic(clock, make_session):
    cardio = make_session(on=date(2026, 10, 6), minutes=60)
    mixed = make_session(on=date(2026, 10, 7), minutes=120)
    cancelled = make_session(on=date(2026, 10, 8), status="cancelled")
    make_session(on=date(2026, 10, 9))  # untagged
    db.session.add_all(
        [
            SessionTopic(session_id=cardio.id, topic="cardiovascular"),
            SessionTopic(session_id=mixed.id, topic="cardiovascular"),
            SessionTopic(session_id=mixed.id, topic="nephrology"),
            SessionTopic(session_id=cancelled.id, topic="oncology"),
        ]
    )
    db.session.flush()
    table = coverage_table(YEAR)
    rows = {row[0]: row for row in table.rows}
    assert rows["Cardiovascular disease"][1] == pytest.approx(2.0)
    assert rows["Nephrology and urology"][1] == pytest.approx(1.0)
    assert rows["Medical oncology"][1] == 0
    assert rows["Cardiovascular disease"][2] == pytest.approx(2 / 3)
    assert rows["Untagged"][1] == pytest.approx(1.0)
    assert sum(target_shares().values()) == pytest.approx(1.0)


def test_overview_of_a_firm_without_residents_is_empty_not_an_error(
    client, auth, make_user, make_firm, make_resident, make_session
):
    make_resident()
    make_session(on=date(2026, 10, 5))  # held, required, all residents
    empty = make_firm()
    db.session.commit()
    view = overview(Filters(YEAR.start_on, YEAR.end_on, firm_id=empty.id))
    assert (view.total.expected, view.residents, view.held_sessions) == (0, [], 1)
    _login_coordinator(client, auth, make_user)
    for url in (
        f"/reports?firm={empty.id}",
        "/reports?firm=999999",
        "/reports/sessions?firm=999999",
        "/reports/export/overview.xlsx?firm=999999",
    ):
        assert client.get(url).status_code == 200, url


def test_rates_just_under_the_threshold_never_read_as_reaching_it(app_ctx):
    from conferences.reports import charts, exports

    assert percent(0.698) == "69.8 %"
    assert percent(0.7) == "70.0 %"
    assert percent(0.29) == "29.0 %"  # 0.29 * 100 is 28.999999999999996
    assert percent(1.0) == "100.0 %"
    assert percent(None) == "–"
    assert percent(100 / 143) == "69.9 %"  # 69.93 %: one decimal, rounded down
    assert charts._percent(0.698) == "69.8 %"
    assert exports._csv_cell(100 / 143, "percent") == "69.9"
    assert exports._csv_cell(0.6996, "percent") == "69.9"
    assert exports._csv_cell(0.29, "percent") == "29.0"


def test_unreadable_filters_are_reported_not_silently_replaced(client, auth, make_user):
    reading = read_filters(
        {"start": "2026-13-01", "end": "2026-06-01", "firm": "²", "pgy": "9999999999999"}
    )
    default = Filters.default()
    # The default start (1 July) is after the end typed: the two are swapped, and said so.
    assert reading.filters.start_on == date(2026, 6, 1)
    assert reading.filters.end_on == default.start_on
    assert (reading.filters.firm_id, reading.filters.pgy) == (None, None)
    assert len(reading.problems) == 4
    assert "“2026-13-01” is not a date" in reading.problems[0]
    assert read_filters({"start": "2026-09-01", "end": "2026-10-01"}).problems == ()

    _login_coordinator(client, auth, make_user)
    page = client.get("/reports?start=2026-13-01&end=2027-06-30")
    assert page.status_code == 200
    assert "From: “2026-13-01” is not a date (use YYYY-MM-DD)" in page.text
    assert page.text.count("is not a date") == 1  # said once, however often filters are read
    assert "is not a date" not in client.get("/reports").text  # not carried to the next page

    reversed_range = client.get("/reports/residents?start=2027-06-30&end=2026-07-01")
    assert "is before “From”" in reversed_range.text

    # A download holds exactly what was asked for, or nothing.
    export = client.get("/reports/export/residents.csv?start=2026-13-01")
    assert export.status_code == 400
    assert "is not a date" in export.text
    assert "is not a date" not in client.get("/reports").text


def test_overview_links_only_to_exports_that_exist_and_csv_names_its_charset_once(
    build_program, client, auth, make_user
):
    """The overview offered /reports/export/overview.csv, which answers 404; and CSV
    answers said charset=utf-8 twice."""
    import re

    build_program()
    _login_coordinator(client, auth, make_user)
    page = client.get("/reports?start=2026-07-01&end=2027-06-30")
    assert page.status_code == 200
    links = set(re.findall(r'href="(/reports/export/[^"]+)"', page.data.decode()))
    assert links
    assert not any("overview.csv" in link for link in links)
    for link in links:
        answer = client.get(link.replace("&amp;", "&"))
        assert answer.status_code == 200, link
    csv_answer = client.get("/reports/export/residents.csv?start=2026-07-01&end=2027-06-30")
    assert csv_answer.headers["Content-Type"] == "text/csv; charset=utf-8"
