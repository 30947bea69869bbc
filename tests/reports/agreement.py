"""Every place that shows attendance numbers, recounted and compared with each other.

``check_everywhere`` takes a date range and asserts that the per-session rule
(``rules.session_statuses``), the bulk evaluation (``evaluation.evaluate``), the roster, the live
count, the overview and session reports, their CSV exports, the resident's report page
numbers and forecast, and the at-risk digest all give the same answer for every resident
and every session. Used by the property test, the demo recount and the finding tests.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import marks, rosters, rules
from conferences.attendance.evaluation import evaluate
from conferences.extensions import db
from conferences.people.models import User
from conferences.reports import exports
from conferences.reports.digest import attendance_digest
from conferences.reports.filters import Filters
from conferences.reports.overview import overview, resident_table
from conferences.reports.overview_cache import OverviewCache
from conferences.reports.resident import outlook, resident_report, row_status
from conferences.reports.sessions import session_table
from conferences.reports.tables import Table
from conferences.schedule.models import Session

# The rule's statuses by value (``rules.Status`` is a StrEnum).
ATTENDED, MISSED, EXCUSED, VISITOR, UPCOMING, NOT_COUNTED = (
    "attended",
    "missed",
    "excused",
    "visitor",
    "upcoming",
    "not_counted",
)


@dataclass
class Recount:
    """The numbers the per-session rule gives, over held sessions that count."""

    # resident id -> [expected, attended, excused]
    residents: dict[int, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0, 0]))
    # session id -> (expected, attended, excused, visitors) as the session report shows them
    sessions: dict[int, tuple[int, int, int, int]] = field(default_factory=dict)
    statuses: dict[tuple[int, int], rules.Status] = field(default_factory=dict)
    # (session id, resident id) -> ``rules.status_reason`` ("by video", "Remote — not ...")
    reasons: dict[tuple[int, int], str] = field(default_factory=dict)

    def rate(self, resident_id: int) -> float | None:
        expected, attended, _ = self.residents.get(resident_id, (0, 0, 0))
        return rules.rate(attended, expected)


def _csv_rows(table: Table) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"))))


def per_session(start_on: date, end_on: date, now: datetime, *, rosters: bool = True) -> Recount:
    """The per-session path, session by session, with the roster and the live count
    (``rosters=False``: the statuses only, for a large program)."""
    first, last = timeutil.range_bounds(start_on, end_on)
    sessions = db.session.scalars(
        select(Session).where(Session.starts_at >= first, Session.starts_at < last)
    ).all()
    marks_attended = rules.attended_marks()
    recount = Recount()
    for session in sessions:
        entries = rules.session_statuses(session, now)
        held = rules.is_held(session.starts_at, now)
        by_status: dict[str, set[int]] = defaultdict(set)
        for entry in entries:
            by_status[entry.status].add(entry.resident_id)
            recount.statuses[(session.id, entry.resident_id)] = entry.status
            recount.reasons[(session.id, entry.resident_id)] = entry.reason
        expected = by_status[ATTENDED] | by_status[MISSED] | by_status[UPCOMING]
        # An attended mark, taken part in a way the session's year counts (room, remote, ...).
        modes = rules.modes_for(session)
        modes_attended = rules.session_modes_attended(session)
        visitors = {
            e.resident_id
            for e in entries
            if e.status == VISITOR
            and rules.counts_as_attended(
                e.mark, modes.get(e.resident_id), marks_attended, modes_attended
            )
        }
        recount.sessions[session.id] = (
            len(expected) if held else 0,
            len(by_status[ATTENDED]) if held else 0,
            len(by_status[EXCUSED]),
            len(visitors),
        )
        if rosters:
            check_roster(session, now, entries, visitors)
        if held:
            for rid in expected:
                recount.residents[rid][0] += 1
            for rid in by_status[ATTENDED]:
                recount.residents[rid][1] += 1
            for rid in by_status[EXCUSED]:
                recount.residents[rid][2] += 1
    return recount


def check_roster(session: Session, now: datetime, entries, visitors: set[int]) -> None:
    """The live count and the roster of one session agree with its statuses."""
    by_status: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        by_status[entry.status].add(entry.resident_id)
    expected = by_status[ATTENDED] | by_status[MISSED] | by_status[UPCOMING]
    # The live count: everyone whose mark counts as attended, which at a session that
    # counts is exactly the attended residents and the visitors.
    marked = {e.resident_id for e in entries if e.mark in rules.attended_marks()}
    assert marks.live_count(session) == len(marked), session.title
    # Of those, the ones whose way of taking part counts (remote may not, in some years).
    modes, modes_attended = rules.modes_for(session), rules.session_modes_attended(session)
    counted = {
        e.resident_id
        for e in entries
        if rules.counts_as_attended(
            e.mark, modes.get(e.resident_id), rules.attended_marks(), modes_attended
        )
    }
    if not by_status[NOT_COUNTED]:
        assert counted == by_status[ATTENDED] | visitors, session.title
    # The roster is built from the same statuses.
    roster = rosters.roster(session, now)
    assert roster.expected_count == len(expected), session.title
    rows = {row.resident.id: row for row in roster.rows}
    assert set(rows) == {e.resident_id for e in entries}
    words = {
        ATTENDED: ("present", "late"),
        EXCUSED: ("excused",),
        VISITOR: ("visitor",),
        UPCOMING: ("expected",),
        MISSED: ("absent", "late", "missed"),
    }
    for entry in entries:
        row = rows[entry.resident_id]
        assert row.rule_status == entry.status
        # The roster shows the rule's reason; "missed" (not "absent") is one with a reason
        # other than a late arrival's (that row keeps the word "late", the reason beside it).
        assert row.reason == entry.reason
        late_only = entry.reason == rules.LATE_NOT_COUNTED
        assert (row.status == "missed") == (
            entry.status == MISSED and bool(entry.reason) and not late_only
        )
        if late_only:
            assert (row.status, entry.status) == ("late", MISSED)
        if entry.status in words:
            assert row.status in words[entry.status], (row.status, entry.status)


def check_everywhere(
    start_on: date,
    end_on: date,
    *,
    firm_ids: tuple[int, ...] = (),
    detail_for: int = 5,
    rosters: bool = True,
) -> Recount:
    """Assert that every place agrees over ``start_on``..``end_on``; return the recount."""
    now = timeutil.now_utc()
    recount = per_session(start_on, end_on, now, rosters=rosters)
    filters = Filters(start_on, end_on)

    # The bulk evaluation, pair by pair and in total.
    evaluation = evaluate(start_on, end_on, now=now)
    facts = {s.id: s for s in evaluation.sessions}
    for (sid, rid), status in recount.statuses.items():
        assert evaluation.status(facts[sid], rid) == status, (sid, rid)
        assert evaluation.reason(facts[sid], rid) == recount.reasons[(sid, rid)], (sid, rid)
    for s in evaluation.sessions:
        expected, attended, excused, visitors = recount.sessions[s.id]
        if s.held:
            assert len(evaluation.expected[s.id]) == expected
            assert len(evaluation.attended(s.id)) == attended
        assert len(evaluation.excused.get(s.id, {})) == excused
        assert len(evaluation.visitors(s.id)) == visitors
    totals = evaluation.totals_by_resident()
    for rid, numbers in totals.items():
        assert list(numbers) == list(recount.residents.get(rid, [0, 0, 0])), rid

    # The overview: resident lines, the below-threshold list, and their CSV export.
    view = overview(filters, now=now)
    lines = {line.id: line for line in view.residents}
    for rid, line in lines.items():
        assert [line.expected, line.attended, line.excused] == list(
            recount.residents.get(rid, [0, 0, 0])
        )
    below = {rid for rid in lines if rules.below_threshold(recount.rate(rid), view.threshold)}
    assert {line.id for line in view.below} == below
    names = {line.id: line.name for line in view.residents}
    csv_rows = _csv_rows(resident_table(view))
    assert len(csv_rows) == len(view.residents)
    for row, line in zip(csv_rows, view.residents, strict=True):
        expected, attended, excused = recount.residents.get(line.id, [0, 0, 0])
        assert row["Resident"] == names[line.id]
        assert (int(row["Expected"]), int(row["Attended"]), int(row["Excused"])) == (
            expected,
            attended,
            excused,
        )
        assert row["Rate (%)"] == rules.format_percent(recount.rate(line.id), sign=False)
    assert view.total.expected == sum(v[0] for v in recount.residents.values())
    assert view.total.attended == sum(v[1] for v in recount.residents.values())

    # The session report and its CSV export.
    table = session_table(view)
    csv_sessions = _csv_rows(table)
    for s, row, cells in zip(evaluation.sessions, table.rows, csv_sessions, strict=True):
        expected, attended, excused, visitors = recount.sessions[s.id]
        keys = [c.key for c in table.columns]
        values = dict(zip(keys, row, strict=True))
        assert (values["expected"], values["attended"], values["excused"], values["visitors"]) == (
            expected,
            attended,
            excused,
            visitors,
        ), s.title
        assert (int(cells["Expected"]), int(cells["Attended"]), int(cells["Visitors"])) == (
            expected,
            attended,
            visitors,
        )

    # What the report pages keep between requests (``overview_cache``, without the marks):
    # the same tables.
    kept = OverviewCache().put(filters, 0, now, view)
    assert _csv_rows(resident_table(kept)) == csv_rows
    assert _csv_rows(session_table(kept)) == csv_sessions

    # Filtered reports: the same numbers for the chosen residents, and no invented visitors.
    for firm_id in firm_ids:
        narrowed = overview(Filters(start_on, end_on, firm_id=firm_id), now=now)
        chosen = set(narrowed.evaluation.residents)
        for line in narrowed.residents:
            assert [line.expected, line.attended, line.excused] == list(
                recount.residents.get(line.id, [0, 0, 0])
            )
        for s in narrowed.evaluation.sessions:
            assert narrowed.evaluation.visitors(s.id) <= evaluation.visitors(s.id)
            assert narrowed.evaluation.visitors(s.id) == evaluation.visitors(s.id) & chosen

    # The resident's own page (its numbers, its rows and the forecast), for a few residents.
    year = timeutil.academic_year_of(timeutil.local_date(now))
    year_filters = Filters(*timeutil.academic_year_bounds(year))
    for rid in sorted(lines)[:detail_for]:
        resident = db.session.get(User, rid)
        report = resident_report(resident, filters, now=now)
        assert [report.expected, report.attended, report.excused] == list(
            recount.residents.get(rid, [0, 0, 0])
        )
        keys = [c.key for c in report.table.columns]
        by_public_id = {s.public_id: s.id for s in evaluation.sessions}
        for public_id, row in zip(report.table.links, report.table.rows, strict=True):
            label = dict(zip(keys, row, strict=True))["status"]
            sid = by_public_id[public_id]
            assert row_status(label) == recount.statuses[(sid, rid)], (label, sid)
            if recount.reasons[(sid, rid)]:
                assert label == rules.status_label(
                    recount.statuses[(sid, rid)], recount.reasons[(sid, rid)]
                ), (label, sid)
        if (year_filters.start_on, year_filters.end_on) == (start_on, end_on):
            look = outlook(resident, now=now)
            assert [look.expected, look.attended, look.excused] == list(
                recount.residents.get(rid, [0, 0, 0])
            )
            assert look.below == rules.below_threshold(recount.rate(rid), look.threshold)

    # The at-risk digest (the current academic year).
    if (year_filters.start_on, year_filters.end_on) == (start_on, end_on):
        digest_below, _trending = attendance_digest(now)
        assert {line.id for line in digest_below} == below
    return recount
