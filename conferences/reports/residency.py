"""A resident's whole residency, one line per academic year: attendance against that
year's threshold, excusals and teaching. What the Clinical Competency Committee asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import rules
from conferences.attendance.evaluation import evaluate
from conferences.attendance.excusals import excusals_of
from conferences.extensions import db
from conferences.people.models import User
from conferences.program.services import threshold_for
from conferences.reports.tables import Column, Table
from conferences.schedule.models import Session, SessionStatus
from conferences.teaching.models import TeachingSlot


@dataclass
class YearLine:
    start_year: int
    label: str
    pgy: int
    expected: int
    attended: int
    excused: int
    threshold: int
    excusals: int  # excusals overlapping the year (any status)
    excusals_approved: int
    teaching: int  # sessions taught (held, not cancelled)
    teaching_hours: float
    in_progress: bool

    @property
    def rate(self) -> float | None:
        return rules.rate(self.attended, self.expected)

    @property
    def below(self) -> bool:
        return rules.below_threshold(self.rate, self.threshold)


@dataclass
class Residency:
    resident: User
    years: list[YearLine]
    last_day: object  # date | None

    @property
    def expected(self) -> int:
        return sum(y.expected for y in self.years)

    @property
    def attended(self) -> int:
        return sum(y.attended for y in self.years)

    @property
    def rate(self) -> float | None:
        return rules.rate(self.attended, self.expected)


def residency_years(resident: User, today=None) -> list[int]:
    """The academic years of the residency so far (first to the current or last one)."""
    if resident.start_year is None:
        return []
    today = today or timeutil.local_today()
    last_day = resident.residency_ends
    last = timeutil.academic_year_of(today)
    if last_day is not None:
        last = min(last, timeutil.academic_year_of(last_day))
    return list(range(resident.start_year, last + 1))


def residency(resident: User, now: datetime | None = None) -> Residency:
    """Every academic year of ``resident``'s residency so far, by the attendance rules of
    each year (its own threshold). A fixed number of queries per year."""
    now = now or timeutil.now_utc()
    today = timeutil.local_date(now)
    lines = []
    for year in residency_years(resident, today):
        first, last = timeutil.academic_year_bounds(year)
        evaluation = evaluate(first, last, resident_ids=[resident.id], now=now)
        expected, attended, excused = evaluation.totals_by_resident().get(resident.id, (0, 0, 0))
        excusals = excusals_of(resident, first, last)
        low, high = timeutil.range_bounds(first, last)
        taught = {
            session_id: (ends_at - starts_at).total_seconds() / 3600
            for session_id, starts_at, ends_at in db.session.execute(
                select(Session.id, Session.starts_at, Session.ends_at)
                .join(TeachingSlot, TeachingSlot.session_id == Session.id)
                .where(
                    TeachingSlot.holder_id == resident.id,
                    Session.status == SessionStatus.SCHEDULED.value,
                    Session.starts_at >= low,
                    Session.starts_at < high,
                    Session.starts_at <= now,
                )
            )
        }
        lines.append(
            YearLine(
                start_year=year,
                label=timeutil.academic_year_label(year),
                pgy=year - resident.start_year + 1 if resident.start_year is not None else 0,
                expected=expected,
                attended=attended,
                excused=excused,
                threshold=threshold_for(year),
                excusals=len(excusals),
                excusals_approved=sum(1 for e in excusals if e.status == "approved"),
                teaching=len(taught),
                teaching_hours=sum(taught.values()),
                in_progress=first <= today <= last,
            )
        )
    return Residency(resident, lines, resident.residency_ends)


def residency_table(report: Residency) -> Table:
    """The residency as a report table (page, CSV and Excel share it)."""
    table = Table(
        "residency",
        f"Residency of {report.resident.name}",
        [
            Column("year", "Academic year"),
            Column("pgy", "PGY", "int"),
            Column("expected", "Expected", "int"),
            Column("attended", "Attended", "int"),
            Column("excused", "Excused", "int"),
            Column("rate", "Rate", "percent"),
            Column("threshold", "Threshold %", "int"),
            Column("standing", "Standing"),
            Column("excusals", "Excusals", "int"),
            Column("approved", "Excusals approved", "int"),
            Column("teaching", "Sessions taught", "int"),
            Column("hours", "Hours taught", "number"),
        ],
        empty="No academic year of residency yet.",
    )
    for line in report.years:
        standing = "below threshold" if line.below else "meets threshold"
        if line.expected == 0:
            standing = "nothing expected yet"
        elif line.in_progress:
            standing += " (so far)"
        table.rows.append(
            [
                line.label,
                line.pgy,
                line.expected,
                line.attended,
                line.excused,
                line.rate,
                line.threshold,
                standing,
                line.excusals,
                line.excusals_approved,
                line.teaching,
                line.teaching_hours,
            ]
        )
    return table
