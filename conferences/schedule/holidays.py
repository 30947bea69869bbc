"""The program's holiday calendar: single days and blackout ranges with no sessions."""

from __future__ import annotations

from datetime import date, timedelta

import holidays as holiday_calendars
from sqlalchemy import select

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.schedule.models import Holiday

FEDERAL = "federal"
PROGRAM = "program"


def holidays_between(first: date, last: date) -> list[Holiday]:
    """Holidays overlapping local dates ``first`` through ``last``, in date order."""
    return list(
        db.session.scalars(
            select(Holiday)
            .where(Holiday.starts_on <= last, Holiday.ends_on >= first)
            .order_by(Holiday.starts_on, Holiday.name)
        )
    )


def holiday_names(first: date, last: date) -> dict[date, list[str]]:
    """Each local date from ``first`` through ``last`` that a holiday or blackout covers, with
    the names covering it (earliest start first, each name once). One query for any range."""
    names: dict[date, list[str]] = {}
    rows = db.session.execute(
        select(Holiday.starts_on, Holiday.ends_on, Holiday.name)
        .where(Holiday.starts_on <= last, Holiday.ends_on >= first)
        .order_by(Holiday.starts_on, Holiday.name)
    )
    for starts_on, ends_on, name in rows:
        day = max(starts_on, first)
        while day <= min(ends_on, last):
            on_day = names.setdefault(day, [])
            if name not in on_day:
                on_day.append(name)
            day += timedelta(days=1)
    return names


def closed_dates(first: date, last: date) -> dict[date, str]:
    """Every date between ``first`` and ``last`` covered by a holiday, with its name (one query)."""
    return {day: names[0] for day, names in holiday_names(first, last).items()}


def add_holiday(name: str, starts_on: date, ends_on: date | None = None) -> Holiday:
    """Add a holiday (one day) or a blackout range (``ends_on`` after ``starts_on``)."""
    name = (name or "").strip()
    ends_on = ends_on or starts_on
    if not name:
        raise DomainError("Give the holiday a name.", field="name")
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if not timeutil.in_range(day):
            raise DomainError(timeutil.OUT_OF_RANGE, field=field)
    if ends_on < starts_on:
        raise DomainError("The last day is before the first day.", field="ends_on")
    if (ends_on - starts_on).days > 62:
        raise DomainError("A blackout can last at most two months.", field="ends_on")
    holiday = Holiday(name=name[:200], starts_on=starts_on, ends_on=ends_on, source=PROGRAM)
    db.session.add(holiday)
    db.session.flush()
    return holiday


def delete_holiday(holiday: Holiday) -> None:
    db.session.delete(holiday)
    db.session.flush()


def federal_holidays(start_year: int) -> list[tuple[date, str]]:
    """US federal holidays (observed days included) in academic year ``start_year``."""
    first, last = timeutil.academic_year_bounds(start_year)
    calendar = holiday_calendars.country_holidays("US", years=[start_year, start_year + 1])
    return sorted((day, name) for day, name in calendar.items() if first <= day <= last)


def prefill_federal_holidays(start_year: int) -> int:
    """Add the academic year's US federal holidays not already on the calendar; return how many."""
    first, last = timeutil.academic_year_bounds(start_year)
    existing = set(
        db.session.scalars(
            select(Holiday.starts_on).where(
                Holiday.starts_on >= first, Holiday.starts_on <= last, Holiday.source == FEDERAL
            )
        )
    )
    added = 0
    for day, name in federal_holidays(start_year):
        if day in existing:
            continue
        db.session.add(Holiday(name=name, starts_on=day, ends_on=day, source=FEDERAL))
        existing.add(day)
        added += 1
    db.session.flush()
    return added


def _observance(name: str) -> str:
    """The holiday a name belongs to: "Christmas Day (observed)" is Christmas Day."""
    return name.removesuffix(" (observed)").strip()


def federal_holidays_like(start_year: int, model_year: int) -> list[tuple[date, str]]:
    """The federal holidays of academic year ``start_year`` that the program observes in
    ``model_year`` (observed days included); every one when ``model_year`` has none."""
    first, last = timeutil.academic_year_bounds(model_year)
    kept = {
        _observance(name)
        for name in db.session.scalars(
            select(Holiday.name).where(
                Holiday.source == FEDERAL, Holiday.starts_on >= first, Holiday.starts_on <= last
            )
        )
    }
    every = federal_holidays(start_year)
    if not kept:
        return every
    return [(day, name) for day, name in every if _observance(name) in kept]


def add_federal_days(days: list[tuple[date, str]]) -> list[Holiday]:
    """Add these federal holidays where the calendar has no federal holiday that day yet."""
    if not days:
        return []
    existing = set(
        db.session.scalars(
            select(Holiday.starts_on).where(
                Holiday.source == FEDERAL,
                Holiday.starts_on >= min(day for day, _ in days),
                Holiday.starts_on <= max(day for day, _ in days),
            )
        )
    )
    added = []
    for day, name in days:
        if day in existing:
            continue
        holiday = Holiday(name=name, starts_on=day, ends_on=day, source=FEDERAL)
        db.session.add(holiday)
        existing.add(day)
        added.append(holiday)
    db.session.flush()
    return added


def years_without_holidays(days: list[date]) -> list[int]:
    """The academic years among ``days`` whose calendar has no holiday at all (one query):
    generating into them would put sessions on Thanksgiving and Christmas."""
    years = sorted({timeutil.academic_year_of(day) for day in days})
    if not years:
        return []
    first = timeutil.academic_year_bounds(years[0])[0]
    last = timeutil.academic_year_bounds(years[-1])[1]
    covered = {
        timeutil.academic_year_of(day)
        for day in db.session.scalars(
            select(Holiday.starts_on).where(Holiday.starts_on >= first, Holiday.starts_on <= last)
        )
    }
    return [year for year in years if year not in covered]
