"""Attendance reports: aggregates over ``attendance.rules.evaluate``, as plain tables.

Every report page shows tables built here, and every export writes the same tables, so
a page and its CSV/Excel file never disagree. The numbers come from one evaluation of the
attendance rules per request (a fixed number of queries, whatever the size of the program).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import rules
from conferences.attendance.excusals import excusals_of
from conferences.dbutil import parse_id
from conferences.extensions import db
from conferences.notifications.services import send
from conferences.people.models import Firm, Role, Track, User, UserRole
from conferences.program.services import threshold_for
from conferences.schedule.models import TOPICS, Series, Session, SessionStatus, SessionTopic

# --------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class Filters:
    start_on: date
    end_on: date
    firm_id: int | None = None
    pgy: int | None = None
    series_id: int | None = None

    @classmethod
    def default(cls) -> Filters:
        start_on, end_on = timeutil.academic_year_bounds(timeutil.current_academic_year())
        return cls(start_on, end_on)

    def to_args(self) -> dict[str, str]:
        args = {"start": self.start_on.isoformat(), "end": self.end_on.isoformat()}
        if self.firm_id is not None:
            args["firm"] = str(self.firm_id)
        if self.pgy is not None:
            args["pgy"] = str(self.pgy)
        if self.series_id is not None:
            args["series"] = str(self.series_id)
        return args

    @property
    def academic_year(self) -> int:
        return timeutil.academic_year_of(self.start_on)

    @property
    def threshold(self) -> int:
        return threshold_for(self.academic_year)

    def describe(self) -> str:
        return f"{self.start_on.isoformat()} to {self.end_on.isoformat()}"


@dataclass(frozen=True)
class FilterReading:
    filters: Filters
    # What could not be used as typed, in words, with what is shown instead.
    problems: tuple[str, ...] = ()


FILTER_LABELS = {"start": "From", "end": "To", "firm": "Firm", "pgy": "Class", "series": "Series"}


def read_filters(args: Mapping[str, str]) -> FilterReading:
    """Filters from a query string. Nothing unreadable is used silently: each value that
    cannot be read is reported, and the report falls back to the default for it."""
    default = Filters.default()
    problems: list[str] = []

    def read_date(name: str, fallback: date) -> date:
        value = (args.get(name) or "").strip()
        if not value:
            return fallback
        try:
            day = date.fromisoformat(value)
        except ValueError:
            problems.append(
                f"{FILTER_LABELS[name]}: “{value[:40]}” is not a date (use YYYY-MM-DD); "
                f"showing {fallback.isoformat()}."
            )
            return fallback
        if not timeutil.in_range(day):
            problems.append(
                f"{FILTER_LABELS[name]}: {timeutil.OUT_OF_RANGE} Showing {fallback.isoformat()}."
            )
            return fallback
        return day

    def read_number(name: str) -> int | None:
        value = (args.get(name) or "").strip()
        if not value:
            return None
        number = parse_id(value)
        if number is None:
            problems.append(f"{FILTER_LABELS[name]}: “{value[:40]}” is not one of the choices.")
        return number

    start_on = read_date("start", default.start_on)
    end_on = read_date("end", default.end_on)
    if end_on < start_on:
        problems.append(
            f"“To” ({end_on.isoformat()}) is before “From” ({start_on.isoformat()}); "
            "showing the range the other way round."
        )
        start_on, end_on = end_on, start_on
    filters = Filters(
        start_on,
        end_on,
        firm_id=read_number("firm"),
        pgy=read_number("pgy"),
        series_id=read_number("series"),
    )
    return FilterReading(filters, tuple(problems))


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | int | percent | date | number


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    # Optional link per row (for pages only; exports ignore it).
    links: list[str | None] = field(default_factory=list)
    empty: str = "Nothing to show for these filters."

    def column(self, key: str) -> list:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


RATE_COLUMNS = [
    Column("expected", "Expected", "int"),
    Column("attended", "Attended", "int"),
    Column("rate", "Rate", "percent"),
]


@dataclass
class Tally:
    expected: int = 0
    attended: int = 0

    @property
    def rate(self) -> float | None:
        return rules.rate(self.attended, self.expected)


# --------------------------------------------------------------------------- overview


@dataclass
class ResidentLine:
    id: int
    name: str
    email: str
    pgy: int | None
    firm: str
    track: str
    expected: int
    attended: int
    excused: int

    @property
    def rate(self) -> float | None:
        return rules.rate(self.attended, self.expected)


@dataclass
class Overview:
    filters: Filters
    threshold: int
    evaluation: rules.Evaluation
    residents: list[ResidentLine]
    by_class: dict[str, Tally]
    by_firm: dict[str, Tally]
    by_series: dict[str, Tally]
    by_month: dict[str, Tally]
    sessions_by_series: dict[str, int]
    sessions_by_month: dict[str, int]
    total: Tally

    @property
    def below(self) -> list[ResidentLine]:
        return [r for r in self.residents if rules.below_threshold(r.rate, self.threshold)]

    @property
    def held_sessions(self) -> int:
        return len(self.evaluation.held_counted())


ONE_OFF = "One-off sessions"
NO_FIRM = "No firm"


def overview(filters: Filters, now: datetime | None = None) -> Overview:
    """The program overview: totals by resident, class, firm, series and month."""
    evaluation = rules.evaluate(
        filters.start_on,
        filters.end_on,
        firm_id=filters.firm_id,
        pgy=filters.pgy,
        series_id=filters.series_id,
        now=now,
    )
    firms = dict(db.session.execute(select(Firm.id, Firm.name)).all())
    tracks = dict(db.session.execute(select(Track.id, Track.name)).all())
    series_titles = dict(db.session.execute(select(Series.id, Series.title)).all())
    people = {
        rid: (name, email)
        for rid, name, email in db.session.execute(
            select(User.id, User.name, User.email).where(
                User.id.in_(select(UserRole.user_id).where(UserRole.role == Role.RESIDENT.value))
            )
        )
        if rid in evaluation.residents
    }
    totals = evaluation.totals_by_resident()
    lines = []
    by_class: dict[str, Tally] = defaultdict(Tally)
    by_firm: dict[str, Tally] = defaultdict(Tally)
    for rid, facts in evaluation.residents.items():
        expected, attended, excused = totals[rid]
        name, email = people.get(rid, ("?", ""))
        pgy = (
            timeutil.pgy_level(facts.start_year, filters.start_on)
            if facts.start_year is not None
            else None
        )
        line = ResidentLine(
            rid,
            name,
            email,
            pgy,
            firms.get(facts.firm_id, NO_FIRM),
            tracks.get(facts.track_id, ""),
            expected,
            attended,
            excused,
        )
        lines.append(line)
        for bucket in (by_class[f"PGY-{pgy}" if pgy else "Unknown"], by_firm[line.firm]):
            bucket.expected += expected
            bucket.attended += attended
    lines.sort(key=lambda r: r.name.lower())

    by_series: dict[str, Tally] = defaultdict(Tally)
    by_month: dict[str, Tally] = defaultdict(Tally)
    sessions_by_series: dict[str, int] = defaultdict(int)
    sessions_by_month: dict[str, int] = defaultdict(int)
    total = Tally()
    for session in evaluation.held_counted():
        expected = len(evaluation.expected[session.id])
        attended = len(evaluation.attended(session.id))
        label = series_titles.get(session.series_id, ONE_OFF)
        for bucket in (by_series[label], by_month[session.month], total):
            bucket.expected += expected
            bucket.attended += attended
        sessions_by_series[label] += 1
        sessions_by_month[session.month] += 1
    return Overview(
        filters=filters,
        threshold=filters.threshold,
        evaluation=evaluation,
        residents=lines,
        by_class=dict(sorted(by_class.items())),
        by_firm=dict(sorted(by_firm.items())),
        by_series=dict(sorted(by_series.items())),
        by_month=dict(sorted(by_month.items())),
        sessions_by_series=sessions_by_series,
        sessions_by_month=sessions_by_month,
        total=total,
    )


def _tally_table(name: str, title: str, first: Column, tallies: dict[str, Tally], extra=None):
    columns = [first, *([extra[0]] if extra else []), *RATE_COLUMNS]
    rows = []
    for label, tally in tallies.items():
        middle = [extra[1][label]] if extra else []
        rows.append([label, *middle, tally.expected, tally.attended, tally.rate])
    return Table(name, title, columns, rows)


def month_label(month: str) -> str:
    return datetime.strptime(month + "-01", "%Y-%m-%d").strftime("%b %Y")  # noqa: DTZ007


def class_table(view: Overview) -> Table:
    return _tally_table("classes", "Rate by class", Column("class", "Class"), view.by_class)


def firm_table(view: Overview) -> Table:
    return _tally_table("firms", "Rate by firm", Column("firm", "Firm"), view.by_firm)


def series_table(view: Overview) -> Table:
    return _tally_table(
        "series",
        "Rate by series",
        Column("series", "Series"),
        view.by_series,
        extra=(Column("sessions", "Sessions held", "int"), view.sessions_by_series),
    )


def month_table(view: Overview) -> Table:
    table = _tally_table(
        "months",
        "Trend by month",
        Column("month", "Month"),
        view.by_month,
        extra=(Column("sessions", "Sessions held", "int"), view.sessions_by_month),
    )
    for row in table.rows:
        row[0] = month_label(row[0])
    return table


RESIDENT_COLUMNS = [
    Column("name", "Resident"),
    Column("email", "Email"),
    Column("pgy", "PGY", "int"),
    Column("firm", "Firm"),
    Column("track", "Track"),
    Column("expected", "Expected", "int"),
    Column("attended", "Attended", "int"),
    Column("excused", "Excused", "int"),
    Column("rate", "Rate", "percent"),
]


def _resident_table(name: str, title: str, lines: list[ResidentLine], link) -> Table:
    table = Table(name, title, list(RESIDENT_COLUMNS))
    for r in lines:
        table.rows.append(
            [r.name, r.email, r.pgy, r.firm, r.track, r.expected, r.attended, r.excused, r.rate]
        )
        table.links.append(link(r) if link else None)
    return table


def resident_table(view: Overview, link=None) -> Table:
    return _resident_table("residents", "Residents", view.residents, link)


def below_table(view: Overview, link=None) -> Table:
    lines = sorted(view.below, key=lambda r: (r.rate or 0, r.name.lower()))
    table = _resident_table("below", f"Below the {view.threshold} % threshold", lines, link)
    table.empty = "Every resident with required sessions so far is at or above the threshold."
    return table


def session_table(view: Overview, link=None) -> Table:
    """Every session in the range with its counts (optional and cancelled: shown, not counted)."""
    evaluation = view.evaluation
    series_titles = dict(db.session.execute(select(Series.id, Series.title)).all())
    table = Table(
        "sessions",
        "Sessions",
        [
            Column("date", "Date", "date"),
            Column("time", "Time"),
            Column("title", "Session"),
            Column("series", "Series"),
            Column("counted", "Counts"),
            Column("audience", "Audience", "int"),
            Column("excused", "Excused", "int"),
            Column("expected", "Expected", "int"),
            Column("attended", "Attended", "int"),
            Column("visitors", "Visitors", "int"),
            Column("rate", "Rate", "percent"),
        ],
    )
    for s in evaluation.sessions:
        members = evaluation.members.get(s.id, set())
        visitors = len(evaluation.visitors(s.id))
        if s.status == SessionStatus.CANCELLED.value:
            counted = "cancelled"
        elif not s.required:
            counted = "optional"
        elif not s.counted:
            counted = "not recorded"  # back-dated, and no attendance recorded yet
        elif not s.held:
            counted = "upcoming"
        else:
            counted = "yes"
        expected = len(evaluation.expected.get(s.id, ())) if s.held else 0
        attended = len(evaluation.attended(s.id)) if s.held else 0
        table.rows.append(
            [
                s.on,
                timeutil.format_local(s.starts_at, "%H:%M"),
                s.title,
                series_titles.get(s.series_id, ""),
                counted,
                len(members),
                len(evaluation.excused.get(s.id, {})),
                expected,
                attended,
                visitors,
                rules.rate(attended, expected) if counted == "yes" else None,
            ]
        )
        table.links.append(link(s) if link else None)
    return table


# --------------------------------------------------------------------------- one resident


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
    evaluation = rules.evaluate(start_on, end_on, resident_ids=[resident.id], now=now)
    return _outlook_from(evaluation, resident.id, threshold_for(year), today)


def _outlook_from(evaluation: rules.Evaluation, rid: int, threshold: int, today: date) -> Outlook:
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


def resident_detail_table(evaluation: rules.Evaluation, resident_id: int) -> Table:
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
        label = rules.STATUS_LABELS[status]
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
    evaluation: rules.Evaluation
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


def resident_report(
    resident: User, filters: Filters, now: datetime | None = None
) -> ResidentReport:
    now = now or timeutil.now_utc()
    evaluation = rules.evaluate(
        filters.start_on, filters.end_on, resident_ids=[resident.id], now=now
    )
    expected, attended, excused = evaluation.totals_by_resident().get(resident.id, (0, 0, 0))
    current = timeutil.academic_year_of(timeutil.local_date(now))
    outlook_value = None
    if filters.academic_year == current:
        year_start, year_end = timeutil.academic_year_bounds(current)
        if (filters.start_on, filters.end_on) == (year_start, year_end):
            year_eval = evaluation
        else:
            year_eval = rules.evaluate(year_start, year_end, resident_ids=[resident.id], now=now)
        outlook_value = _outlook_from(
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


# --------------------------------------------------------------------------- one session


def session_detail_table(session: Session) -> Table:
    """Audience and visitors of one session, with each resident's status (per-session rules)."""
    statuses = rules.session_statuses(session)
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_([s.resident_id for s in statuses] or [0]))
        )
    }
    day = timeutil.local_date(session.starts_at)
    table = Table(
        "session",
        f"{session.title}, {day.isoformat()}",
        [
            Column("name", "Resident"),
            Column("email", "Email"),
            Column("pgy", "PGY", "int"),
            Column("firm", "Firm"),
            Column("audience", "In audience"),
            Column("status", "Status"),
            Column("mark", "Mark"),
            Column("excuse", "Excused by"),
        ],
        empty="Nobody is in this session's audience.",
    )
    for entry in sorted(statuses, key=lambda s: users[s.resident_id].name.lower()):
        user = users[entry.resident_id]
        table.rows.append(
            [
                user.name,
                user.email,
                user.pgy(day),
                user.firm.name if user.firm else "",
                "yes" if entry.in_audience else "visitor",
                rules.STATUS_LABELS[entry.status],
                entry.mark or "",
                str(entry.excuse) if entry.excuse else "",
            ]
        )
    return table


# --------------------------------------------------------------------------- curriculum coverage

# Target shares per topic, proportional to the ABIM Internal Medicine certification
# blueprint (approximate percentages of the exam; pulmonary includes critical care).
TARGET_WEIGHTS = {
    "cardiovascular": 14,
    "pulmonary": 13,
    "gi": 9,
    "infectious": 9,
    "rheumatology": 9,
    "endocrine": 9,
    "oncology": 7,
    "hematology": 6,
    "nephrology": 6,
    "general": 5,
    "neurology": 4,
    "psychiatry": 4,
    "geriatrics": 3,
    "dermatology": 3,
    "ophthalmology": 3,
    "womens_health": 3,
    "allergy": 2,
}


def target_shares() -> dict[str, float]:
    total = sum(TARGET_WEIGHTS.values())
    return {topic: TARGET_WEIGHTS.get(topic, 0) / total for topic in TOPICS}


UNTAGGED = "Untagged"


def coverage_table(filters: Filters) -> Table:
    """Hours per topic (a session's hours split evenly among its topics) against the targets."""
    first, last = timeutil.range_bounds(filters.start_on, filters.end_on)
    scope = (
        select(Session.id)
        .where(Session.starts_at >= first, Session.starts_at < last)
        .where(Session.status != SessionStatus.CANCELLED.value)
    )
    if filters.series_id is not None:
        scope = scope.where(Session.series_id == filters.series_id)
    scope_ids = scope.scalar_subquery()
    durations = {
        sid: (end - start).total_seconds() / 3600
        for sid, start, end in db.session.execute(
            select(Session.id, Session.starts_at, Session.ends_at).where(Session.id.in_(scope_ids))
        )
    }
    topics_by_session: dict[int, list[str]] = defaultdict(list)
    for sid, topic in db.session.execute(
        select(SessionTopic.session_id, SessionTopic.topic).where(
            SessionTopic.session_id.in_(scope_ids)
        )
    ):
        topics_by_session[sid].append(topic)
    hours: dict[str, float] = defaultdict(float)
    untagged = 0.0
    for sid, duration in durations.items():
        topics = topics_by_session.get(sid)
        if not topics:
            untagged += duration
            continue
        for topic in topics:
            hours[topic] += duration / len(topics)
    tagged_total = sum(hours.values())
    targets = target_shares()
    table = Table(
        "coverage",
        "Curriculum coverage",
        [
            Column("topic", "Topic"),
            Column("hours", "Hours", "number"),
            Column("share", "Share", "percent"),
            Column("target", "Target share", "percent"),
            Column("gap_hours", "Hours to target", "number"),
        ],
        empty="No topic-tagged sessions in this period.",
    )
    for topic, label in TOPICS.items():
        share = hours[topic] / tagged_total if tagged_total else 0.0
        gap = max(0.0, targets[topic] * tagged_total - hours[topic])
        table.rows.append([label, round(hours[topic], 1), share, targets[topic], round(gap, 1)])
    for topic in sorted(set(hours) - set(TOPICS)):
        table.rows.append([topic, round(hours[topic], 1), hours[topic] / tagged_total, 0.0, 0.0])
    table.rows.sort(key=lambda row: row[2] - row[3])
    table.rows.append([UNTAGGED, round(untagged, 1), None, None, None])
    return table


# --------------------------------------------------------------------------- digest


def attendance_digest(now: datetime | None = None) -> tuple[list[ResidentLine], list]:
    """Residents below the threshold and those trending below, this academic year so far."""
    now = now or timeutil.now_utc()
    today = timeutil.local_date(now)
    year = timeutil.academic_year_of(today)
    start_on, end_on = timeutil.academic_year_bounds(year)
    filters = Filters(start_on, end_on)
    view = overview(filters, now=now)
    below = sorted(view.below, key=lambda r: (r.rate or 0, r.name.lower()))
    below_ids = {r.id for r in below}
    trending = []
    for line in view.residents:
        if line.id in below_ids or line.expected == 0:
            continue
        look = _outlook_from(view.evaluation, line.id, view.threshold, today)
        if look.trending_below:
            trending.append((line, look))
    return below, trending


@dataclass
class DigestResult:
    below: list[ResidentLine]
    trending: list
    sent: int


def send_attendance_digest(now: datetime | None = None) -> DigestResult:
    """E-mail coordinators this week's at-risk list (once per ISO week each)."""
    now = now or timeutil.now_utc()
    below, trending = attendance_digest(now)
    today = timeutil.local_date(now)
    iso_year, iso_week, _ = today.isocalendar()
    threshold = threshold_for(timeutil.academic_year_of(today))
    lines = [f"Attendance of required sessions this academic year (threshold {threshold} %)", ""]
    if below:
        lines.append(f"Below the threshold ({len(below)}):")
        lines += [f"  - {r.name}: {percent(r.rate)} ({r.attended}/{r.expected})" for r in below]
    else:
        lines.append("Nobody is below the threshold.")
    lines.append("")
    if trending:
        lines.append(f"Trending below over the last {RECENT_DAYS} days ({len(trending)}):")
        lines += [
            f"  - {r.name}: {percent(r.rate)} overall, {percent(o.recent_rate)} recently"
            for r, o in trending
        ]
    else:
        lines.append("Nobody is trending below the threshold.")
    lines += ["", "Details: Reports (/reports)."]
    body = "\n".join(lines)
    sent = 0
    coordinators = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR.value, User.active.is_(True))
        .order_by(User.id)
    )
    for coordinator in coordinators:
        message = send(
            coordinator,
            f"Attendance digest, week {iso_week} of {iso_year}: "
            f"{len(below)} below, {len(trending)} trending below",
            body,
            dedupe_key=f"attendance-digest:{iso_year}-W{iso_week:02d}:{coordinator.id}",
        )
        sent += message is not None
    return DigestResult(below, trending, sent)


def percent(value: float | None) -> str:
    """A rate as pages, e-mails and exports write it (``rules.format_percent``)."""
    return rules.format_percent(value)


# --------------------------------------------------------------------------- choices


def firm_choices() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Firm.id, Firm.name).order_by(Firm.name)).all())


def series_choices() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Series.id, Series.title).order_by(Series.title)).all())
