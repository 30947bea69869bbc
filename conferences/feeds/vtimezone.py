"""VTIMEZONE in the compact form Outlook and Google emit: one STANDARD and one DAYLIGHT
observance, each with a yearly RRULE, rather than the list of RDATEs
``icalendar.Timezone.from_tzid`` produces (some parsers read only an RDATE's first date,
which puts summer sessions an hour off). Built from the zone's own transitions, once per
(zone, years), and written into every feed by ``ical``.
"""

from __future__ import annotations

import calendar as calendar_module
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard
from icalendar.prop import vRecur

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Transition:
    at: datetime  # UTC instant of the change
    offset_from: timedelta
    offset_to: timedelta
    daylight: bool
    name: str

    @property
    def wall(self) -> datetime:
        """The local wall-clock time at which the change happens (before it), naive."""
        return (self.at + self.offset_from).replace(tzinfo=None)


def _state(zone: tzinfo, instant: datetime) -> tuple[timedelta, timedelta, str]:
    local = instant.astimezone(zone)
    return local.utcoffset() or timedelta(0), local.dst() or timedelta(0), local.tzname() or ""


def zone_transitions(zone: tzinfo, first_year: int, last_year: int) -> list[Transition]:
    """Every change of offset, DST flag or abbreviation from 1 Jan ``first_year`` to the
    end of ``last_year``, found by a daily scan refined to the second."""
    start = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    found: list[Transition] = []
    step = timedelta(days=1)
    before = _state(zone, start)
    cursor = start
    while cursor < end:
        nxt = min(cursor + step, end)
        after = _state(zone, nxt)
        if after != before:
            low, high = cursor, nxt
            while high - low > timedelta(seconds=1):
                mid = low + (high - low) / 2
                mid = mid.replace(microsecond=0)
                if mid <= low:
                    break
                if _state(zone, mid) == before:
                    low = mid
                else:
                    high = mid
            found.append(
                Transition(
                    at=high,
                    offset_from=before[0],
                    offset_to=after[0],
                    daylight=after[1] != timedelta(0),
                    name=after[2],
                )
            )
            before = after
        cursor = nxt
    return found


def _rule_candidates(day: date) -> set[str]:
    weekday = WEEKDAYS[day.weekday()]
    days_in_month = calendar_module.monthrange(day.year, day.month)[1]
    nth = (day.day - 1) // 7 + 1
    candidates = {f"BYDAY={nth}{weekday}", f"BYMONTHDAY={day.day}"}
    if day.day + 7 > days_in_month:
        candidates.add(f"BYDAY=-1{weekday}")
    return candidates


def _preferred(candidates: set[str]) -> str:
    for prefix in ("BYDAY=-1", "BYDAY=", "BYMONTHDAY="):
        matching = sorted(c for c in candidates if c.startswith(prefix))
        if matching:
            return matching[0]
    raise ValueError("no rule")


@dataclass
class _Run:
    transitions: list[Transition]
    candidates: set[str]


@lru_cache(maxsize=32)
def build_timezone(zone_name: str, zone: tzinfo, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE valid from before ``first_year`` through ``last_year``, one yearly RRULE
    per run of years that follow the same rule."""
    scan_first, scan_last = first_year - 1, last_year + 1
    transitions = zone_transitions(zone, scan_first, scan_last)
    vtz = Timezone()
    vtz.add("tzid", zone_name)
    if not transitions:
        offset, dst, name = _state(zone, datetime(first_year, 1, 1, tzinfo=UTC))
        part = TimezoneDaylight() if dst else TimezoneStandard()
        part.add("dtstart", datetime(1970, 1, 1))  # noqa: DTZ001 - VTIMEZONE wall time
        part.add("tzoffsetfrom", offset)
        part.add("tzoffsetto", offset)
        if name:
            part.add("tzname", name)
        vtz.add_component(part)
        return vtz

    runs: list[_Run] = []
    open_runs: dict[tuple, _Run] = {}
    for transition in transitions:
        wall = transition.wall
        key = (
            transition.daylight,
            transition.offset_from,
            transition.offset_to,
            transition.name,
            wall.month,
            wall.time(),
        )
        candidates = _rule_candidates(wall.date())
        run = open_runs.get(key)
        if (
            run is not None
            and wall.year == run.transitions[-1].wall.year + 1
            and run.candidates & candidates
        ):
            run.transitions.append(transition)
            run.candidates &= candidates
        else:
            run = _Run([transition], candidates)
            open_runs[key] = run
            runs.append(run)

    for run in runs:
        head, tail = run.transitions[0], run.transitions[-1]
        part = TimezoneDaylight() if head.daylight else TimezoneStandard()
        part.add("dtstart", head.wall)
        part.add("tzoffsetfrom", head.offset_from)
        part.add("tzoffsetto", head.offset_to)
        if head.name:
            part.add("tzname", head.name)
        continues = tail.wall.year >= scan_last
        if len(run.transitions) > 1 or continues:
            by_rule = _preferred(run.candidates)
            rule = f"FREQ=YEARLY;BYMONTH={head.wall.month};{by_rule}"
            if not continues:
                rule += ";UNTIL=" + tail.at.strftime("%Y%m%dT%H%M%SZ")
            part.add("rrule", vRecur.from_ical(rule))
        vtz.add_component(part)
    return vtz
