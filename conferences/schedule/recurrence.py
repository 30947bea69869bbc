"""Recurrence rules for series, computed with dateutil's rrule on local dates.

A rule yields local dates only; the series' wall-clock times are attached per
occurrence (``timeutil.localize``) so DST changes never shift a session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from dateutil.rrule import FR, MO, MONTHLY, SA, SU, TH, TU, WE, WEEKLY, rrule

from conferences.timeutil import OUT_OF_RANGE, in_range

WEEKDAYS = (MO, TU, WE, TH, FR, SA, SU)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ORDINALS = {1: "1st", 2: "2nd", 3: "3rd", 4: "4th", -1: "last"}
MAX_YEARS = 2


@dataclass(frozen=True)
class Rule:
    """Weekly on ``weekdays`` (0 = Monday) every ``interval`` weeks, or monthly on the
    ``month_week``-th (1..4, -1 = last) ``month_weekday``, from ``starts_on`` to ``ends_on``."""

    starts_on: date
    ends_on: date
    frequency: str = "weekly"
    interval: int = 1
    weekdays: tuple[int, ...] = field(default_factory=tuple)
    month_week: int | None = None
    month_weekday: int | None = None

    @classmethod
    def from_series(cls, series) -> Rule:
        return cls(
            starts_on=series.starts_on,
            ends_on=series.ends_on,
            frequency=series.frequency,
            interval=series.interval or 1,
            weekdays=tuple(sorted(int(d) for d in series.weekdays or [])),
            month_week=series.month_week,
            month_weekday=series.month_weekday,
        )

    def problems(self) -> list[tuple[str, str]]:
        """Everything wrong with the rule, as (form field, message); empty when usable."""
        found: list[tuple[str, str]] = [
            (name, OUT_OF_RANGE)
            for name, day in (("starts_on", self.starts_on), ("ends_on", self.ends_on))
            if not in_range(day)
        ]
        if not found and self.ends_on < self.starts_on:
            found.append(("ends_on", "The last date is before the first date."))
        elif not found and self.ends_on > self.starts_on + relativedelta(years=MAX_YEARS):
            found.append(("ends_on", f"A series can span at most {MAX_YEARS} years."))
        if self.interval < 1 or self.interval > 52:
            found.append(("interval", "Repeat every 1 to 52 weeks or months."))
        if self.frequency == "weekly":
            if not self.weekdays:
                found.append(("weekdays", "Choose at least one weekday."))
            elif any(d not in range(7) for d in self.weekdays):
                found.append(("weekdays", "Unknown weekday."))
        elif self.frequency == "monthly":
            if self.month_week not in ORDINALS:
                found.append(
                    ("month_week", "Choose which week of the month (1st to 4th, or last).")
                )
            if self.month_weekday not in range(7):
                found.append(("month_weekday", "Choose a weekday."))
        else:
            found.append(("frequency", "Choose weekly or monthly."))
        if not found and not self.dates():
            found.append(("weekdays", "This rule gives no dates between the first and last date."))
        return found

    def dates(self) -> list[date]:
        """Every local date the rule gives, in order (no holiday skipping here)."""
        start = datetime.combine(self.starts_on, datetime.min.time())
        until = datetime.combine(self.ends_on, datetime.min.time())
        if self.ends_on < self.starts_on:
            return []
        if self.frequency == "weekly":
            if not self.weekdays:
                return []
            rule = rrule(
                WEEKLY,
                dtstart=start,
                until=until,
                interval=self.interval,
                byweekday=[WEEKDAYS[d] for d in self.weekdays],
                wkst=MO,
            )
        elif self.frequency == "monthly":
            if self.month_week not in ORDINALS or self.month_weekday not in range(7):
                return []
            rule = rrule(
                MONTHLY,
                dtstart=start,
                until=until,
                interval=self.interval,
                byweekday=WEEKDAYS[self.month_weekday](self.month_week),
            )
        else:
            return []
        return [value.date() for value in rule]

    def describe(self) -> str:
        """The rule in words: "Every Mon, Tue", "Every 2 weeks on Wed", "Monthly, 1st Tuesday"."""
        if self.frequency == "monthly" and self.month_week in ORDINALS:
            day = WEEKDAY_NAMES[self.month_weekday or 0]
            every = "Monthly" if self.interval == 1 else f"Every {self.interval} months"
            return f"{every} on the {ORDINALS[self.month_week]} {day}"
        days = ", ".join(WEEKDAY_SHORT[d] for d in self.weekdays)
        if list(self.weekdays) == [0, 1, 2, 3, 4]:
            if self.interval == 1:
                return "Every weekday"
            days = "weekdays"
        if self.interval == 1:
            return f"Every {days}"
        return f"Every {self.interval} weeks on {days}"
