"""One resident's report: their sessions with status and excusal, grouped by month for the
page, their excusals, and their outlook for the academic year (what it takes to reach the
threshold, and whether they are trending below it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import rules
from conferences.attendance.evaluation import Evaluation, evaluate
from conferences.attendance.excusals import excusals_of
from conferences.extensions import db
from conferences.people.models import User
from conferences.program.services import threshold_for
from conferences.reports.filters import Filters
from conferences.reports.participation import Participation, participation
from conferences.reports.tables import Column, Table
from conferences.schedule.models import Series, SessionStatus


@dataclass
class Outlook:
    """Where a resident stands this academic year, and what it takes to reach the threshold."""

    threshold: int
    expected: int
    attended: int
    excused: int
    upcoming: int
    recent_expected: int
    recent_attended: int

    @property
    def rate(self) -> float | None:
        return rules.rate(self.attended, self.expected)

    @property
    def recent_rate(self) -> float | None:
        return rules.rate(self.recent_attended, self.recent_expected)

    @property
    def year_expected(self) -> int:
        return self.expected + self.upcoming

    @property
    def target(self) -> int:
        """Sessions to attend this year to reach the threshold."""
        return -(-self.threshold * self.year_expected // 100)

    @property
    def needed(self) -> int:
        return max(0, self.target - self.attended)

    @property
    def reachable(self) -> bool:
        return self.needed <= self.upcoming

    @property
    def at_pace(self) -> int:
        """Sessions still to attend at the current rate (the threshold if nothing counted yet)."""
        pace = self.rate if self.rate is not None else self.threshold / 100
        return round(pace * self.upcoming)

    @property
    def on_track(self) -> bool:
        return self.attended + self.at_pace >= self.target

    @property
    def below(self) -> bool:
        return rules.below_threshold(self.rate, self.threshold)

    @property
    def trending_below(self) -> bool:
        """At or above the threshold overall, but below it over the last four weeks."""
        return not self.below and rules.below_threshold(self.recent_rate, self.threshold)

    def summary(self) -> str:
        if self.year_expected == 0:
            return "No required sessions are expected of you this academic year."
        if self.needed == 0:
            return (
                f"The {self.threshold} % threshold is already reached for this academic year "
                f"({self.attended} of {self.year_expected} required sessions)."
            )
        if not self.reachable:
            return (
                f"{self.needed} more sessions are needed but only {self.upcoming} required "
                f"sessions remain before 30 June: the {self.threshold} % threshold can no "
                "longer be reached this year."
            )
        text = (
            f"{self.needed} more of the {self.upcoming} remaining required sessions are needed "
            f"to reach {self.threshold} % by 30 June."
        )
        if self.on_track:
            return text + " At the current pace that will happen."
        short = self.target - self.attended - self.at_pace
        return text + f" At the current pace about {short} short."


RECENT_DAYS = 28


def outlook(resident: User, now: datetime | None = None) -> Outlook:
    """The resident's current academic year so far, and the required sessions still ahead."""
    now = now or timeutil.now_utc()
    today = timeutil.local_date(now)
    year = timeutil.academic_year_of(today)
    start_on, end_on = timeutil.academic_year_bounds(year)
    evaluation = evaluate(
        start_on, end_on, resident_ids=[resident.id], now=now, their_sessions_only=True
    )
    return outlook_from(evaluation, resident.id, threshold_for(year), today)


def outlook_from(evaluation: Evaluation, rid: int, threshold: int, today: date) -> Outlook:
    """The outlook of resident ``rid`` from an evaluation of the academic year so far (the
    digest passes the overview's evaluation rather than evaluating each resident again)."""
    recent_from = today - timedelta(days=RECENT_DAYS)
    expected = attended = excused = upcoming = recent_expected = recent_attended = 0
    for s in evaluation.sessions:
        if not s.counted:
            continue
        if rid in evaluation.excused.get(s.id, {}) and s.held:
            excused += 1
        if rid not in evaluation.expected.get(s.id, ()):
            continue
        if not s.held:
            upcoming += 1
            continue
        did = rid in evaluation.attended(s.id)
        expected += 1
        attended += did
        if s.on >= recent_from:
            recent_expected += 1
            recent_attended += did
    return Outlook(
        threshold, expected, attended, excused, upcoming, recent_expected, recent_attended
    )


def resident_detail_table(evaluation: Evaluation, resident_id: int) -> Table:
    """Every session of the range the resident is in the audience of or has a mark at."""
    series_titles = dict(db.session.execute(select(Series.id, Series.title)).all())
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
        empty="No sessions in this period.",
    )
    for s in evaluation.sessions:
        member = resident_id in evaluation.members.get(s.id, ())
        mark = evaluation.marks.get(s.id, {}).get(resident_id)
        if not member and mark is None:
            continue
        if s.status == SessionStatus.CANCELLED.value and mark is None:
            continue
        status = evaluation.status(s, resident_id)
        label = rules.status_label(status, evaluation.reason(s, resident_id))
        if status == rules.Status.NOT_COUNTED:
            if not s.required:
                label += " (optional)"
            elif s.status == SessionStatus.CANCELLED.value:
                label += " (cancelled)"
            else:
                label += " (no attendance recorded)"
        excuse = evaluation.excused.get(s.id, {}).get(resident_id)
        table.rows.append(
            [
                s.on,
                timeutil.format_local(s.starts_at, "%H:%M"),
                s.title,
                series_titles.get(s.series_id, ""),
                label,
                mark or "",
                str(excuse) if excuse else "",
            ]
        )
        table.links.append(s.public_id)
    return table


@dataclass
class ResidentReport:
    resident: User
    filters: Filters
    evaluation: Evaluation
    expected: int
    attended: int
    excused: int
    threshold: int
    table: Table
    excusals: list
    outlook: Outlook | None

    @property
    def rate(self) -> float | None:
        return rules.rate(self.attended, self.expected)

    @property
    def participation(self) -> Participation:
        """How the resident took part, from the evaluation the report already made."""
        return participation(self.evaluation).get(self.resident.id) or Participation(
            self.resident.id
        )


def resident_report(
    resident: User, filters: Filters, now: datetime | None = None
) -> ResidentReport:
    now = now or timeutil.now_utc()
    evaluation = evaluate(
        filters.start_on,
        filters.end_on,
        resident_ids=[resident.id],
        now=now,
        their_sessions_only=True,
    )
    expected, attended, excused = evaluation.totals_by_resident().get(resident.id, (0, 0, 0))
    current = timeutil.academic_year_of(timeutil.local_date(now))
    outlook_value = None
    if filters.academic_year == current:
        year_start, year_end = timeutil.academic_year_bounds(current)
        if (filters.start_on, filters.end_on) == (year_start, year_end):
            year_eval = evaluation
        else:
            year_eval = evaluate(
                year_start, year_end, resident_ids=[resident.id], now=now, their_sessions_only=True
            )
        outlook_value = outlook_from(
            year_eval, resident.id, threshold_for(current), timeutil.local_date(now)
        )
    return ResidentReport(
        resident=resident,
        filters=filters,
        evaluation=evaluation,
        expected=expected,
        attended=attended,
        excused=excused,
        threshold=filters.threshold,
        table=resident_detail_table(evaluation, resident.id),
        excusals=excusals_of(resident, filters.start_on, filters.end_on),
        outlook=outlook_value,
    )


def row_status(label: str) -> rules.Status:
    """The status behind a label of the detail table ("Not counted (optional)" and the like)."""
    for status, text in rules.STATUS_LABELS.items():
        if label == text or label.startswith(text + " ("):
            return status
    return rules.Status.NOT_COUNTED


@dataclass
class MonthRow:
    cells: dict  # column key -> value
    link: str | None
    status: rules.Status


@dataclass
class MonthGroup:
    """The rows of one calendar month of a resident's detail table, with counts of them.

    The counts are of the rows shown: ``attended`` and ``missed`` rows make up ``expected``.
    """

    month: str  # "2026-11"
    rows: list[MonthRow] = field(default_factory=list)
    later: bool = False  # after the current month
    open: bool = False

    @property
    def label(self) -> str:
        return datetime.strptime(self.month + "-01", "%Y-%m-%d").strftime("%B %Y")  # noqa: DTZ007

    def count(self, status: rules.Status) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def attended(self) -> int:
        return self.count(rules.Status.ATTENDED)

    @property
    def missed(self) -> int:
        return self.count(rules.Status.MISSED)

    @property
    def excused(self) -> int:
        return self.count(rules.Status.EXCUSED)

    @property
    def upcoming(self) -> int:
        return self.count(rules.Status.UPCOMING)

    @property
    def expected(self) -> int:
        return self.attended + self.missed


def group_by_month(table: Table, today: date, open_months: int = 2) -> list[MonthGroup]:
    """The rows of a resident's detail table by calendar month, newest month first (rows
    keep their order within a month). The ``open_months`` latest months up to ``today``'s
    are open (normally this month and the one before); months after it are marked
    ``later``, and when there is nothing else the nearest of them is open."""
    keys = [c.key for c in table.columns]
    date_at, status_at = keys.index("date"), keys.index("status")
    groups: dict[str, MonthGroup] = {}
    for index, values in enumerate(table.rows):
        month = values[date_at].strftime("%Y-%m")
        group = groups.setdefault(month, MonthGroup(month))
        link = table.links[index] if index < len(table.links) else None
        cells = dict(zip(keys, values, strict=True))
        group.rows.append(MonthRow(cells, link, row_status(values[status_at])))
    current = today.strftime("%Y-%m")
    ordered = sorted(groups.values(), key=lambda g: g.month, reverse=True)
    for group in ordered:
        group.later = group.month > current
    shown = [g for g in ordered if not g.later]
    for group in shown[:open_months]:
        group.open = True
    if not shown and ordered:
        ordered[-1].open = True
    return ordered


def excusal_covers(listed: int) -> str:
    """What an excusal covers: the sessions it lists, or (listing none) every day in its range."""
    if not listed:
        return "Every session in these dates"
    return f"{listed} listed session{'s' if listed != 1 else ''}"


def excusal_table(report: ResidentReport) -> Table:
    table = Table(
        "excusals",
        "Excusals",
        [
            Column("from", "From", "date"),
            Column("to", "To", "date"),
            Column("reason", "Reason"),
            Column("status", "Status"),
            Column("covers", "Covers"),
            Column("note", "Note"),
            Column("comment", "Decision comment"),
        ],
        empty="No excusals in this period.",
    )
    for e in report.excusals:
        table.rows.append(
            [
                e.starts_on,
                e.ends_on,
                e.reason_label,
                e.status,
                excusal_covers(len(e.session_rows)),
                e.note,
                e.decision_comment,
            ]
        )
    return table
