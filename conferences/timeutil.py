"""Every time-zone conversion and the clock live here.

Instants are stored as aware UTC datetimes. Wall-clock values (a series'
12:00 start) are interpreted in the program's zone, one occurrence at a time,
so DST changes keep local times fixed. Tests replace the clock with
``set_clock``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from werkzeug.http import parse_date

DEFAULT_ZONE = "America/New_York"
ACADEMIC_YEAR_START_MONTH = 7

_clock: Callable[[], datetime] | None = None


def now_utc() -> datetime:
    """The current instant (aware, UTC); replaceable in tests."""
    if _clock is not None:
        return as_utc(_clock())
    return datetime.now(UTC)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Install a clock function (``None`` restores the real one)."""
    global _clock
    _clock = clock


@contextmanager
def frozen(at: datetime) -> Iterator[None]:
    """Freeze ``now_utc`` at ``at`` for the duration of the block."""
    previous = _clock
    set_clock(lambda: at)
    try:
        yield
    finally:
        set_clock(previous)


# The dates the program may use: far outside, converting to UTC or stepping a day overflows.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
OUT_OF_RANGE = "Choose a date between 1900 and 2199."


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


@lru_cache(maxsize=16)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def program_zone_name() -> str:
    if has_app_context():
        return current_app.config.get("PROGRAM_TIMEZONE", DEFAULT_ZONE)
    return DEFAULT_ZONE


def program_zone() -> ZoneInfo:
    return zone(program_zone_name())


def is_valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return False
    return True


def parse_http_date(value: str) -> datetime | None:
    """An HTTP date header as a UTC instant, or None when it is not one (RFC 9110 says to
    ignore it then). Werkzeug's parser raises OverflowError on absurd offsets."""
    try:
        return parse_date(value)
    except (OverflowError, ValueError):
        return None


def as_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC; refuse naive ones."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: attach a zone before converting")
    return value.astimezone(UTC)


def localize(day: date, wall: time) -> datetime:
    """The UTC instant of a wall-clock time on a day in the program's zone.

    A time skipped by a DST jump moves forward; an ambiguous one takes the
    first occurrence (``fold=0``), as calendar clients do.
    """
    local = datetime.combine(day, wall).replace(tzinfo=program_zone())
    return as_utc(local)


# ---------------------------------------------------------------- wall times at DST changes


class WallTimeError(ValueError):
    """A wall-clock time a person typed that names no instant, or two."""

    def __init__(self, message: str, choices: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.message = message
        self.choices = choices or []


FIRST, SECOND = "first", "second"


def _wall(day: date, wall: time, fold: int = 0, zone_info: tzinfo | None = None) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone_info or program_zone()).replace(fold=fold)


def is_skipped(day: date, wall: time, zone_info: tzinfo | None = None) -> bool:
    """Does this wall time not exist (clocks jump over it in spring)?"""
    local = _wall(day, wall, zone_info=zone_info)
    back = local.astimezone(UTC).astimezone(local.tzinfo)
    return back.replace(tzinfo=None) != local.replace(tzinfo=None)


def is_repeated(day: date, wall: time, zone_info: tzinfo | None = None) -> bool:
    """Does this wall time happen twice (the hour repeated when clocks go back)?"""
    if is_skipped(day, wall, zone_info):
        return False
    first = _wall(day, wall, 0, zone_info)
    return first.utcoffset() != first.replace(fold=1).utcoffset()


def repeated_choices(day: date, wall: time) -> list[tuple[str, str]]:
    """The two readings of a repeated wall time, as a form offers them:
    ("first", "first 01:30 (EDT)"), ("second", "second 01:30 (EST)")."""
    label = wall.strftime("%H:%M")
    return [
        (name, f"{name} {label} ({_wall(day, wall, fold).tzname()})")
        for fold, name in ((0, FIRST), (1, SECOND))
    ]


def localize_typed(day: date, wall: time, which: str | None = None) -> datetime:
    """The UTC instant of a wall time a person typed, or ``WallTimeError``: a time that
    does not exist is refused; a repeated one needs ``which`` ("first" or "second")."""
    when = day.strftime("%a %d %b %Y")
    label = wall.strftime("%H:%M")
    if is_skipped(day, wall):
        raise WallTimeError(
            f"{label} does not exist on {when}: clocks jump forward an hour that night. "
            "Choose another time."
        )
    if is_repeated(day, wall):
        if which not in (FIRST, SECOND):
            raise WallTimeError(
                f"{label} happens twice on {when} (clocks go back an hour): choose which one.",
                repeated_choices(day, wall),
            )
        return as_utc(_wall(day, wall, 0 if which == FIRST else 1))
    return localize(day, wall)


def in_repeated_hour(value: datetime, zone_info: tzinfo | None = None) -> bool:
    """Is this instant's local wall time one that happens twice (so a TZID time would be
    read differently by different calendar programs)?"""
    zone_info = zone_info or program_zone()
    local = as_utc(value).astimezone(zone_info)
    return is_repeated(local.date(), local.time().replace(tzinfo=None), zone_info)


def to_local(value: datetime) -> datetime:
    """An instant shown in the program's zone."""
    return as_utc(value).astimezone(program_zone())


def local_today() -> date:
    return to_local(now_utc()).date()


def local_date(value: datetime) -> date:
    return to_local(value).date()


def local_dates() -> Callable[[datetime], date]:
    """``local_date`` with the program's zone looked up once: for converting thousands of
    instants in one go (a year of sessions), where reading the configuration each time
    costs more than the conversion."""
    zone_info = program_zone()
    seen: dict[datetime, date] = {}  # many sessions share a start (one per room)

    def convert(value: datetime) -> date:
        found = seen.get(value)
        if found is None:
            if value.tzinfo is None:
                raise ValueError("naive datetime: attach a zone before converting")
            found = seen[value] = value.astimezone(zone_info).date()
        return found

    return convert


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC instants of the start of ``day`` and of the next day, local midnight to midnight."""
    start = localize(day, time(0, 0))
    end = localize(day + timedelta(days=1), time(0, 0))
    return start, end


def range_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants covering local days ``first`` through ``last`` inclusive."""
    return day_bounds(first)[0], day_bounds(last)[1]


def academic_year_of(day: date) -> int:
    """The starting calendar year of the academic year (1 July – 30 June) containing ``day``."""
    return day.year if day.month >= ACADEMIC_YEAR_START_MONTH else day.year - 1


def academic_year_bounds(start_year: int) -> tuple[date, date]:
    return date(start_year, 7, 1), date(start_year + 1, 6, 30)


def current_academic_year() -> int:
    return academic_year_of(local_today())


def academic_year_label(start_year: int) -> str:
    return f"{start_year}–{(start_year + 1) % 100:02d}"


def pgy_level(start_year: int, on: date | None = None) -> int:
    """PGY level of a resident who started in academic year ``start_year``."""
    year = academic_year_of(on) if on is not None else current_academic_year()
    return year - start_year + 1


def format_local(value: datetime | None, fmt: str = "%a %d %b %Y %H:%M") -> str:
    if value is None:
        return ""
    return to_local(value).strftime(fmt)


def zone_abbreviation(value: datetime) -> str:
    return to_local(value).tzname() or ""
