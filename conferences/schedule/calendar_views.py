"""The schedule's calendar pages: the week, month and list views with their filters, and a
resident's own schedule."""

from __future__ import annotations

import calendar as calendar_module
from collections import defaultdict
from datetime import date, timedelta

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from conferences import timeutil
from conferences.dbutil import parse_id
from conferences.errors import NotAllowed
from conferences.extensions import db
from conferences.people.models import Firm, Track
from conferences.people.policy import permission_required
from conferences.rotations.models import SETTING_LABELS
from conferences.schedule import holidays as holiday_service
from conferences.schedule import queries
from conferences.schedule.audience import Audience, audience_names, facts_for, in_audience
from conferences.schedule.blueprint import bp, date_arg
from conferences.schedule.models import KIND_LABELS, Kind, Series

VIEWS = ("week", "month", "list")
LIST_DAYS = 28
MAX_LIST_DAYS = 366
# A month shows each day's first few sessions and links the rest (the day in the list
# view): an institution runs twenty at noon, which no month cell or phone can show.
MONTH_DAY_SHOWN = 4


def _audience_filter_choices() -> list[tuple[str, str]]:
    choices = [("", "Any audience")]
    choices += [(f"pgy:{level}", f"PGY-{level}") for level in (1, 2, 3)]
    for id_, name in db.session.execute(select(Firm.id, Firm.name).order_by(Firm.name)):
        choices.append((f"firm:{id_}", f"Firm: {name}"))
    for id_, name in db.session.execute(select(Track.id, Track.name).order_by(Track.name)):
        choices.append((f"track:{id_}", f"Track: {name}"))
    choices += [(f"setting:{s.value}", f"On {label}") for s, label in SETTING_LABELS.items()]
    return choices


def _audience_matches(audience: Audience, token: str) -> bool:
    """Is a session with this audience open to people with the chosen attribute?"""
    kind, _, value = token.partition(":")
    try:
        if kind == "pgy":
            return not audience.pgy_levels or int(value) in audience.pgy_levels
        if kind == "firm":
            return not audience.firm_ids or int(value) in audience.firm_ids
        if kind == "track":
            return not audience.track_ids or int(value) in audience.track_ids
    except ValueError:
        return True
    if kind == "setting":
        return not audience.depends_on_rotation or value in audience.rotation_settings
    return True


def _period(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first, last) days shown and the (previous, next) anchors."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(7)
    if view == "month":
        month_first = anchor.replace(day=1)
        month_last = month_first.replace(
            day=calendar_module.monthrange(anchor.year, anchor.month)[1]
        )
        first = month_first - timedelta(days=month_first.weekday())
        last = month_last + timedelta(days=6 - month_last.weekday())
        previous = (month_first - timedelta(days=1)).replace(day=1)
        following = month_last + timedelta(days=1)
        return first, last, previous, following
    first = date_arg("start", anchor) or anchor
    last = date_arg("end", first + timedelta(days=LIST_DAYS - 1)) or first
    if last < first:
        last = first
    last = min(last, first + timedelta(days=MAX_LIST_DAYS))
    span = (last - first).days + 1
    return first, last, first - timedelta(days=span), first + timedelta(days=span)


@bp.get("/schedule")
@permission_required("view_schedule")
def calendar():
    """The conference schedule: a week, a month, or a filterable list."""
    view = request.args.get("view", "week")
    if view not in VIEWS:
        view = "week"
    today = timeutil.local_today()
    anchor = date_arg("date", today) or today
    first, last, previous, following = _period(view, anchor)
    include_cancelled = request.args.get("include_cancelled", "1") != "0"
    kind = request.args.get("kind", "")
    series_id = request.args.get("series", "", type=str)
    audience_token = request.args.get("audience", "")
    sessions = queries.sessions_between(
        *timeutil.range_bounds(first, last), include_cancelled=include_cancelled, topics=False
    )
    if kind:
        sessions = [s for s in sessions if s.kind == kind]
    chosen_series = parse_id(series_id)
    if chosen_series is not None:
        sessions = [s for s in sessions if s.series_id == chosen_series]
    if audience_token:
        sessions = [
            s for s in sessions if _audience_matches(Audience.from_json(s.audience), audience_token)
        ]
    by_day: dict[date, list] = defaultdict(list)
    for session in sessions:
        by_day[timeutil.local_date(session.starts_at)].append(session)
    audience_names()  # the agenda names audiences: load the names once, up front
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    filters = {
        "kind": kind,
        "series": series_id,
        "audience": audience_token,
        "include_cancelled": "1" if include_cancelled else "0",
    }
    return render_template(
        "schedule/calendar.html",
        view=view,
        anchor=anchor,
        first=first,
        last=last,
        previous=previous,
        following=following,
        days=days,
        weeks=[days[i : i + 7] for i in range(0, len(days), 7)],
        by_day=by_day,
        holidays=holiday_service.holiday_names(first, last),
        sessions=sessions,
        filters={k: v for k, v in filters.items() if v},
        kind=kind,
        series_id=series_id,
        audience_token=audience_token,
        include_cancelled=include_cancelled,
        kinds=[(k.value, KIND_LABELS[k]) for k in Kind],
        series_options=db.session.execute(
            select(Series.id, Series.title).order_by(Series.title)
        ).all(),
        audience_options=_audience_filter_choices(),
        today=today,
        day_limit=MONTH_DAY_SHOWN if view == "month" else None,
    )


@bp.get("/my-schedule")
@permission_required("view_schedule")
def my_schedule():
    """A resident's own sessions: only those whose audience includes them."""
    if not current_user.is_resident:
        raise NotAllowed(
            "My schedule lists the sessions a resident is expected at, and your account is "
            "not a resident's. The whole program is under Schedule."
        )
    today = timeutil.local_today()
    first = date_arg("start", today) or today
    days = request.args.get("days", LIST_DAYS, type=int) or LIST_DAYS
    days = max(1, min(days, 120))
    last = first + timedelta(days=days - 1)
    facts = facts_for(current_user)
    sessions = [
        s
        for s in queries.sessions_between(*timeutil.range_bounds(first, last))
        if in_audience(s, facts)
    ]
    by_day: dict[date, list] = defaultdict(list)
    for session in sessions:
        by_day[timeutil.local_date(session.starts_at)].append(session)
    return render_template(
        "schedule/my_schedule.html",
        sessions=sessions,
        by_day=by_day,
        first=first,
        last=last,
        days=days,
        previous=first - timedelta(days=days),
        following=first + timedelta(days=days),
    )
