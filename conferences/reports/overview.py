"""The program overview: one evaluation of the attendance rules per request (a fixed number
of queries, whatever the size of the program), totalled by resident, class, firm, series
and month, and the tables built from those totals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import rules
from conferences.attendance.evaluation import Evaluation, evaluate
from conferences.dbutil import page_number
from conferences.extensions import db
from conferences.people.models import Firm, Role, Track, User, UserRole
from conferences.reports.filters import Filters
from conferences.reports.tables import RATE_COLUMNS, Column, Table, Tally
from conferences.schedule.models import Series


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
    evaluation: Evaluation
    residents: list[ResidentLine]
    by_class: dict[str, Tally]
    by_firm: dict[str, Tally]
    by_series: dict[str, Tally]
    by_month: dict[str, Tally]
    sessions_by_series: dict[str, int]
    sessions_by_month: dict[str, int]
    total: Tally

    @cached_property
    def below(self) -> list[ResidentLine]:
        return [r for r in self.residents if rules.below_threshold(r.rate, self.threshold)]

    @property
    def held_sessions(self) -> int:
        return len(self.evaluation.held_counted())


ONE_OFF = "One-off sessions"
NO_FIRM = "No firm"


def overview(filters: Filters, now: datetime | None = None) -> Overview:
    """The program overview: totals by resident, class, firm, series and month."""
    evaluation = evaluate(
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


def below_table(view: Overview, link=None, limit: int | None = None) -> Table:
    """The residents below the threshold, lowest rate first (the first ``limit`` of them)."""
    lines = sorted(view.below, key=lambda r: (r.rate or 0, r.name.lower()))[:limit]
    table = _resident_table("below", f"Below the {view.threshold} % threshold", lines, link)
    table.empty = "Every resident with required sessions so far is at or above the threshold."
    return table


# --------------------------------------------------------------------------- a page of residents

RESIDENTS_PER_PAGE = 50
# How the residents page can be ordered ("-" in front of a key reverses it).
RESIDENT_SORTS: dict[str, tuple[str, Callable[[ResidentLine], tuple]]] = {
    "name": ("Name", lambda r: (r.name.lower(), r.id)),
    "rate": ("Rate", lambda r: (r.rate is None, r.rate or 0.0, r.name.lower(), r.id)),
    "expected": ("Expected", lambda r: (r.expected, r.name.lower(), r.id)),
    "attended": ("Attended", lambda r: (r.attended, r.name.lower(), r.id)),
    "excused": ("Excused", lambda r: (r.excused, r.name.lower(), r.id)),
    "pgy": ("PGY", lambda r: (r.pgy is None, r.pgy or 0, r.name.lower(), r.id)),
    "firm": ("Firm", lambda r: (r.firm.lower(), r.name.lower(), r.id)),
}


@dataclass(frozen=True)
class ResidentQuery:
    """Which residents the residents page shows, in what order, and which page of them."""

    sort: str = "name"
    descending: bool = False
    search: str = ""
    below_only: bool = False
    page: int = 1

    @classmethod
    def read(cls, args: Mapping[str, str]) -> ResidentQuery:
        """From a query string; anything unreadable falls back to the default."""
        sort = (args.get("sort") or "name").strip()
        descending = sort.startswith("-")
        sort = sort.lstrip("-")
        if sort not in RESIDENT_SORTS:
            sort, descending = "name", False
        return cls(
            sort=sort,
            descending=descending,
            search=(args.get("q") or "").strip()[:100],
            below_only=args.get("below") in ("1", "y", "on"),
            page=page_number(args.get("page")),
        )

    @property
    def sort_arg(self) -> str:
        return ("-" if self.descending else "") + self.sort

    def to_args(self) -> dict[str, str]:
        """The query-string form (without the page), defaults left out."""
        args = {}
        if self.sort_arg != "name":
            args["sort"] = self.sort_arg
        if self.search:
            args["q"] = self.search
        if self.below_only:
            args["below"] = "1"
        return args


@dataclass
class ResidentPage:
    """One page of the matching residents, and how many match in all."""

    lines: list[ResidentLine]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.lines else 0

    @property
    def last_shown(self) -> int:
        return (self.page - 1) * self.per_page + len(self.lines)

    def numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to offer: the first, the last, and a few around this one (None for
        a gap)."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        shown: list[int | None] = []
        for number in sorted(n for n in wanted if 1 <= n <= self.pages):
            if shown and shown[-1] is not None and number > shown[-1] + 1:
                shown.append(None)
            shown.append(number)
        return shown


def resident_page(
    view: Overview, query: ResidentQuery, per_page: int | None = None
) -> ResidentPage:
    """The residents of an overview matching ``query`` (name or e-mail containing the
    search, below the threshold only), sorted, one page of them (past the last page: the
    last one)."""
    per_page = per_page or RESIDENTS_PER_PAGE
    lines = view.below if query.below_only else view.residents
    if query.search:
        needle = query.search.casefold()
        lines = [r for r in lines if needle in r.name.casefold() or needle in r.email.casefold()]
    ordered = sorted(lines, key=RESIDENT_SORTS[query.sort][1], reverse=query.descending)
    pages = max(1, -(-len(ordered) // per_page))
    page = min(query.page, pages)
    start = (page - 1) * per_page
    return ResidentPage(ordered[start : start + per_page], len(ordered), page, per_page)


def resident_page_table(page: ResidentPage, link=None) -> Table:
    table = _resident_table("residents", "Residents", page.lines, link)
    table.empty = "No resident matches."
    return table
