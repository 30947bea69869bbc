"""Checking schedule values before they are saved: what is wrong with a session's or a
series' values, as (form field, message) pairs, and series short names (slugs).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.schedule.bookkeeping import SERIES_FIELDS
from conferences.schedule.models import TOPICS, Kind, Series
from conferences.schedule.queries import series_by_slug
from conferences.schedule.recurrence import Rule
from conferences.schedule.video import problems as video_problems
from conferences.timeutil import OUT_OF_RANGE, in_range


def _clean_topics(values: dict) -> list[tuple[str, str]]:
    unknown = [t for t in values.get("topics") or [] if t not in TOPICS]
    return [("topics", f"Unknown topic: {', '.join(unknown)}.")] if unknown else []


def common_problems(values: dict) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if "title" in values and not (values.get("title") or "").strip():
        problems.append(("title", "Give it a title."))
    if "kind" in values and values.get("kind") not in Kind._value2member_map_:
        problems.append(("kind", "Choose a kind of session."))
    day = values.get("day")
    if day is not None and not in_range(day):
        problems.append(("day", OUT_OF_RANGE))
    start, end = values.get("start_time"), values.get("end_time")
    if start is not None and end is not None and end <= start:
        problems.append(("end_time", "The end time must be after the start time."))
    problems += _clean_topics(values)
    problems += video_problems(values)
    return problems


def series_problems(
    values: dict, *, confirm_past: bool = False, series: Series | None = None
) -> list[tuple[str, str]]:
    """Everything wrong with these series values, as (form field, message)."""
    problems = common_problems(values)
    merged = {name: getattr(series, name) for name in SERIES_FIELDS} if series else {}
    merged.update(values)
    rule = Rule(
        starts_on=merged["starts_on"],
        ends_on=merged["ends_on"],
        frequency=merged.get("frequency") or "weekly",
        interval=int(merged.get("interval") or 1),
        weekdays=tuple(sorted(int(d) for d in merged.get("weekdays") or [])),
        month_week=merged.get("month_week"),
        month_weekday=merged.get("month_weekday"),
    )
    problems += rule.problems()
    slug = values.get("slug")
    if slug:
        other = series_by_slug(slug)
        if other is not None and other is not series:
            problems.append(("slug", "Another series already uses this short name."))
    start_changed = series is None or (
        "starts_on" in values and values["starts_on"] != series.starts_on
    )
    if start_changed and rule.starts_on < timeutil.local_today() and not confirm_past:
        problems.append(
            (
                "confirm_past",
                "The first date is in the past, so sessions would be created for past dates. "
                "Tick the box to confirm that is intended.",
            )
        )
    return problems


def raise_first(problems: list[tuple[str, str]]) -> None:
    if problems:
        name, message = problems[0]
        raise DomainError(message, field=name)


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:100] or "series"


def unique_slug(title: str) -> str:
    base = slugify(title)
    taken = set(db.session.scalars(select(Series.slug).where(Series.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
