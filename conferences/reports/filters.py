"""The filters every report takes (date range, firm, class, series): read from a query
string, with what could not be read said in words; and the choices the filter form offers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from conferences import timeutil
from conferences.dbutil import parse_id
from conferences.extensions import db
from conferences.people.models import Firm
from conferences.program.services import threshold_for
from conferences.reports.years import read_year
from conferences.schedule.models import Series


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
    if args.get("year"):  # the academic-year picker: that year, unless dates are given
        year = read_year(args.get("year"))
        if year is None:
            problems.append(
                f"Academic year: “{str(args.get('year'))[:40]}” is not one (use 2026-2027)."
            )
        else:
            default = Filters(*timeutil.academic_year_bounds(year))

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


def firm_choices() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Firm.id, Firm.name).order_by(Firm.name)).all())


def series_choices() -> list[tuple[int, str]]:
    return list(db.session.execute(select(Series.id, Series.title).order_by(Series.title)).all())
