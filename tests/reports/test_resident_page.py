"""A resident's attendance page: sessions grouped by month, counts per month, exports."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import date, time
from html.parser import HTMLParser

from conferences.attendance import rules
from conferences.attendance.models import Attendance
from conferences.extensions import db
from conferences.reports.filters import Filters
from conferences.reports.resident import group_by_month, resident_report, row_status
from conferences.reports.tables import Column, Table

YEAR = Filters(date(2026, 7, 1), date(2027, 6, 30))
TODAY = date(2026, 11, 4)  # the frozen clock's local date


def _detail_table(rows: list[tuple[date, str]]) -> Table:
    """A table shaped like ``resident_detail_table``: (date, status label) per row."""
    table = Table(
        "detail",
        "Sessions",
        [
            Column("date", "Date", "date"),
            Column("time", "Time"),
            Column("title", "Session"),
            Column("series", "Series"),
            Column("status", "Status"),
            Column("mark", "Mark"),
            Column("excuse", "Excused by"),
        ],
    )
    for n, (day, label) in enumerate(rows):
        table.rows.append([day, "12:00", f"Talk {n}", "", label, "", ""])
        table.links.append(f"/s/{n}")
    return table


def test_group_by_month_newest_first_with_the_recent_months_open():
    table = _detail_table(
        [
            (date(2026, 8, 3), "Attended"),
            (date(2026, 9, 1), "Missed"),
            (date(2026, 9, 2), "Excused"),
            (date(2026, 10, 5), "Attended"),
            (date(2026, 10, 6), "Missed"),
            (date(2026, 10, 7), "Missed"),
            (date(2026, 10, 8), "Not counted (optional)"),
            (date(2026, 11, 2), "Attended"),
            (date(2026, 11, 20), "Upcoming"),
            (date(2026, 12, 1), "Upcoming"),
            (date(2027, 1, 4), "Excused"),
        ]
    )
    groups = group_by_month(table, TODAY)

    assert [g.month for g in groups] == [
        "2027-01",
        "2026-12",
        "2026-11",
        "2026-10",
        "2026-09",
        "2026-08",
    ]
    assert [g.later for g in groups] == [True, True, False, False, False, False]
    # This month and the one before are open; older months and later ones are closed.
    assert [g.open for g in groups] == [False, False, True, True, False, False]
    assert groups[2].label == "November 2026"

    october = groups[3]
    assert [row.cells["title"] for row in october.rows] == ["Talk 3", "Talk 4", "Talk 5", "Talk 6"]
    assert [row.link for row in october.rows] == ["/s/3", "/s/4", "/s/5", "/s/6"]
    assert (october.attended, october.expected, october.missed, october.excused) == (1, 3, 2, 0)
    assert october.rows[-1].status == rules.Status.NOT_COUNTED
    assert (groups[2].attended, groups[2].expected, groups[2].upcoming) == (1, 1, 1)
    assert (groups[4].missed, groups[4].excused, groups[4].expected) == (1, 1, 1)

    # Every row lands in exactly one month, and the counts add up to the rows.
    assert sum(len(g.rows) for g in groups) == len(table.rows)
    for status in rules.Status:
        assert sum(g.count(status) for g in groups) == sum(
            row_status(row[4]) == status for row in table.rows
        )


def test_group_by_month_of_a_past_or_future_range():
    past = _detail_table([(date(2025, m, 2), "Attended") for m in (9, 10, 11, 12)])
    groups = group_by_month(past, TODAY)
    assert [(g.month, g.open) for g in groups] == [
        ("2025-12", True),
        ("2025-11", True),
        ("2025-10", False),
        ("2025-09", False),
    ]
    future = _detail_table([(date(2027, m, 2), "Upcoming") for m in (7, 8, 9)])
    groups = group_by_month(future, TODAY)
    assert all(g.later for g in groups)
    assert [(g.month, g.open) for g in groups] == [
        ("2027-09", False),
        ("2027-08", False),
        ("2027-07", True),  # the nearest month
    ]
    assert group_by_month(_detail_table([]), TODAY) == []


def test_row_status_reads_every_label():
    for status, label in rules.STATUS_LABELS.items():
        assert row_status(label) == status
    assert row_status("Not counted (visitor)") == rules.Status.NOT_COUNTED
    assert row_status("Not counted (cancelled)") == rules.Status.NOT_COUNTED


class MonthPage(HTMLParser):
    """The month groups of the page: order, open or not, row statuses and summary counts."""

    def __init__(self) -> None:
        super().__init__()
        self.months: list[tuple[str, bool]] = []
        self.later: list[bool] = []
        self.rows: dict[str, list[str]] = defaultdict(list)
        self.missed_rows: dict[str, list[str]] = defaultdict(list)
        self.counts: dict[str, dict[str, str]] = defaultdict(dict)
        self._details: list[str | None] = []
        self._table_month: str | None = None
        self._count: str | None = None
        self._row: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "details":
            month = attrs.get("data-month")
            self._details.append(month)
            if month:
                self.months.append((month, "open" in attrs))
            elif "data-later" in attrs:
                self.later.append("open" in attrs)
        elif tag == "table" and "data-month" in attrs:
            self._table_month = attrs["data-month"]
        elif tag == "tr" and self._table_month and "data-status" in attrs:
            self.rows[self._table_month].append(attrs["data-status"])
            self._row = {"status": attrs["data-status"], "class": attrs.get("class", "")}
            self._row["text"] = ""
        elif tag == "span" and "data-count" in attrs:
            self._count = attrs["data-count"]
            self.counts[self._details[-1]][self._count] = ""

    def handle_endtag(self, tag):
        if tag == "details":
            self._details.pop()
        elif tag == "table":
            self._table_month = None
        elif tag == "span":
            self._count = None
        elif tag == "tr" and self._row is not None:
            if self._row["status"] == "missed":
                self.missed_rows[self._table_month].append(self._row["class"] + self._row["text"])
            self._row = None

    def handle_data(self, data):
        if self._count:
            self.counts[self._details[-1]][self._count] += data
        if self._row is not None:
            self._row["text"] += data


def _number(text: str, pattern: str) -> tuple[int, ...]:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return tuple(int(n) for n in found.groups())


def _make_year(resident, make_session) -> list:
    """Sessions in September to December 2026 (today is 4 November), with marks."""
    plan = [
        (date(2026, 9, 8), "present"),
        (date(2026, 9, 9), "absent"),
        (date(2026, 10, 6), "present"),
        (date(2026, 10, 7), None),  # no mark: missed
        (date(2026, 10, 8), "excused"),
        (date(2026, 10, 9), "late"),
        (date(2026, 11, 2), "present"),
        (date(2026, 11, 3), "absent"),
        (date(2026, 11, 18), None),  # upcoming
        (date(2026, 12, 2), None),  # upcoming, a later month
    ]
    sessions = []
    for n, (day, mark) in enumerate(plan):
        session = make_session(on=day, title=f"Noon talk {n}")
        sessions.append(session)
        if mark:
            db.session.add(
                Attendance(session_id=session.id, resident_id=resident.id, mark=mark, source="x")
            )
    optional = make_session(on=date(2026, 10, 12), start=time(8), title="Journal club")
    optional.required = False
    db.session.commit()
    return sessions


def _load_closed_months(client, url: str, page: MonthPage) -> list[str]:
    """Open every closed month as the browser does (``?month=``); return those months."""
    closed = [month for month, is_open in page.months if not is_open]
    for month in closed:
        assert month not in page.rows  # not sent with the page
        part = client.get(f"{url}?month={month}")
        assert part.status_code == 200
        assert "<html" not in part.text
        page.feed(part.text)
    return closed


def test_my_attendance_groups_sessions_by_month(clock, client, auth, make_resident, make_session):
    me = make_resident(email="me@example.test", name="Mia Me")
    _make_year(me, make_session)
    report = resident_report(me, YEAR)

    auth.login("me@example.test")
    response = client.get("/my/attendance")
    assert response.status_code == 200
    page = MonthPage()
    page.feed(response.text)
    assert _load_closed_months(client, "/my/attendance", page) == ["2026-12", "2026-09"]

    # Newest month first; December is after this month and sits, closed, under "Later months".
    assert [m for m, _ in page.months] == ["2026-12", "2026-11", "2026-10", "2026-09"]
    assert dict(page.months) == {
        "2026-12": False,
        "2026-11": True,
        "2026-10": True,
        "2026-09": False,
    }
    assert page.later == [False]

    # Each month holds its rows, and its summary line counts exactly those rows.
    assert sum(len(rows) for rows in page.rows.values()) == len(report.table.rows)
    attended_total = expected_total = excused_total = 0
    for month, statuses in page.rows.items():
        counts = page.counts[month]
        attended, expected = _number(counts["attended"], r"(\d+) of (\d+) attended")
        (missed,) = _number(counts["missed"], r"(\d+) missed")
        (excused,) = _number(counts["excused"], r"(\d+) excused")
        assert attended == statuses.count("attended"), month
        assert missed == statuses.count("missed"), month
        assert expected == attended + missed, month
        assert excused == statuses.count("excused"), month
        attended_total += attended
        expected_total += expected
        excused_total += excused
    # Over the months, the same totals as the summary at the top.
    assert (attended_total, expected_total, excused_total) == (
        report.attended,
        report.expected,
        report.excused,
    )
    assert (report.attended, report.expected, report.excused) == (4, 7, 1)
    assert page.rows["2026-11"] == ["attended", "missed", "upcoming"]
    assert page.rows["2026-10"] == ["attended", "missed", "excused", "attended", "not_counted"]
    assert "upcoming" in page.counts["2026-11"]

    # A missed session is said in words, not only in colour.
    assert len(page.missed_rows["2026-10"]) == 1
    for texts in page.missed_rows.values():
        assert all("Missed" in text and text.startswith("table-danger") for text in texts)
    assert "Marked late" in response.text  # a late arrival says so

    # The summary comes before the filters and the sessions.
    text = response.text
    assert text.index("data-rate") < text.index('aria-label="Report filters"')
    assert text.index("data-outlook") < text.index('id="h-sessions"')


def test_my_attendance_exports_still_hold_every_row(
    clock, client, auth, make_resident, make_session
):
    me = make_resident(email="me@example.test", name="Mia Me")
    _make_year(me, make_session)
    auth.login("me@example.test")
    text = client.get("/my/attendance").text
    page = MonthPage()
    page.feed(text)
    _load_closed_months(client, "/my/attendance", page)
    shown = sum(len(rows) for rows in page.rows.values())

    links = re.findall(r'href="(/my/attendance/detail\.(?:csv|xlsx)[^"]*)"', text)
    assert len(links) == 2
    csv_link = next(link for link in links if ".csv" in link).replace("&amp;", "&")
    assert "start=2026-07-01" in csv_link
    assert "end=2027-06-30" in csv_link
    response = client.get(csv_link)
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert len(rows) == shown
    assert [r["Status"] for r in rows].count("Missed") == sum(
        rows.count("missed") for rows in page.rows.values()
    )
    xlsx_link = next(link for link in links if ".xlsx" in link).replace("&amp;", "&")
    assert client.get(xlsx_link).status_code == 200
    assert client.get("/my/attendance/excusals.csv").status_code == 200

    # The filter form still narrows the page.
    narrowed = MonthPage()
    narrowed.feed(client.get("/my/attendance?start=2026-10-01&end=2026-10-31").text)
    assert [m for m, _ in narrowed.months] == ["2026-10"]
    assert narrowed.months == [("2026-10", True)]


def test_coordinator_sees_the_same_months(
    clock, client, auth, make_user, make_resident, make_session
):
    resident = make_resident(name="Rex Resident")
    sessions = _make_year(resident, make_session)
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")

    response = client.get(f"/reports/residents/{resident.id}")
    assert response.status_code == 200
    page = MonthPage()
    page.feed(response.text)
    assert dict(page.months) == {
        "2026-12": False,
        "2026-11": True,
        "2026-10": True,
        "2026-09": False,
    }
    # Session titles link to the coordinators' session report.
    assert f'href="/reports/sessions/{sessions[2].public_id}"' in response.text  # October: open
    assert client.get(f"/reports/residents/{resident.id}/detail.csv").status_code == 200


def test_closed_months_are_sent_when_opened_and_the_query_count_stays_flat(
    clock, client, auth, make_resident, make_session
):
    """A year of sessions: the page carries the open months' rows only; a closed month
    comes on demand (or opened by its link without scripts), in the same number of queries."""
    from sqlalchemy import event

    me = make_resident(email="me@example.test", name="Mia Me")
    _make_year(me, make_session)
    auth.login("me@example.test")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def queries(url: str) -> tuple[int, str]:
        client.get(url)  # warm: the sign-in and the person are loaded again after a commit
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            text = client.get(url).text
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements), text

    few, _ = queries("/my/attendance")
    for day in range(1, 29):  # July and August 2026: two more closed months of rows
        make_session(on=date(2026, 7, day), title=f"July {day}")
        make_session(on=date(2026, 8, day), title=f"August {day}")
    db.session.commit()
    many, text = queries("/my/attendance")
    in_part, part = queries("/my/attendance?month=2026-07")

    assert many == few
    assert in_part <= many  # no filter form, no excusals table
    assert "July 5" not in text  # a closed month's rows are not in the page
    assert 'hx-get="/my/attendance?month=2026-07"' in text
    assert "July 5" in part
    assert part.count("<tr data-status") == 28
    opened = client.get("/my/attendance?open=2026-07").text  # the link, without scripts
    assert "July 5" in opened
    assert client.get("/my/attendance?month=2025-01").status_code == 404
