"""Demo data for the schedule domain: the previous academic year and this one.

Thursday mornings hold grand rounds, so morning report runs Mon–Wed and Fri; M&M is
the first Tuesday at 16:00; intern report (07:30) ends before morning report starts.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import insert, select, update

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import Firm, Track
from conferences.schedule import series_changes, session_changes
from conferences.schedule.holidays import add_holiday, prefill_federal_holidays
from conferences.schedule.models import TOPICS, Series, Session, SessionTopic

TOPIC_KEYS = list(TOPICS)


def _series(ctx, first: date, last: date, **values) -> Series:
    values.setdefault("description", "")
    values.setdefault("room", "")
    values.setdefault("audience", {})
    values.setdefault("required", False)
    values.setdefault("public", False)
    values.setdefault("frequency", "weekly")
    values.setdefault("interval", 1)
    values.setdefault("weekdays", [])
    values.setdefault("topics", [])
    values.update(starts_on=first, ends_on=last)
    series = series_changes.create_series(values, actor=None, confirm_past=True)
    result = series_changes.generate_sessions(series, actor=None)
    ctx.data.setdefault("schedule_counts", {})[series.slug] = result.created_count
    return series


def _tag_topics(series_list: list[Series]) -> None:
    """Give each session of these series one topic, cycling through TOPICS in date order."""
    rows = []
    for offset, series in enumerate(series_list):
        ids = db.session.scalars(
            select(Session.id).where(Session.series_id == series.id).order_by(Session.starts_at)
        )
        for n, session_id in enumerate(ids):
            rows.append(
                {"session_id": session_id, "topic": TOPIC_KEYS[(n + offset) % len(TOPIC_KEYS)]}
            )
    if rows:
        db.session.execute(insert(SessionTopic), rows)


def _next_on_or_after(series: Series, day: date, skip: int = 0) -> Session | None:
    """The series' ``skip``-th scheduled session on or after local date ``day``."""
    start, _ = timeutil.day_bounds(day)
    return db.session.scalar(
        select(Session)
        .where(Session.series_id == series.id, Session.starts_at >= start)
        .order_by(Session.starts_at)
        .offset(skip)
        .limit(1)
    )


def _firms(ctx) -> list:
    firms = ctx.data.get("firms")
    if firms:
        return list(firms)
    return list(db.session.scalars(select(Firm).where(Firm.active.is_(True)).order_by(Firm.name)))


def _tracks(ctx) -> list:
    """Tracks with their own seminar (not the categorical track everybody else is in)."""
    tracks = db.session.scalars(select(Track).where(Track.active.is_(True)).order_by(Track.name))
    return [t for t in tracks if "categorical" not in t.name.lower()]


def load(ctx) -> None:
    """Add this domain's part of the demo program."""
    year = ctx.academic_year
    # The previous academic year complete, and this one: reports across years, a
    # resident's whole residency and rolling forward all have something to show.
    first = timeutil.academic_year_bounds(year - 1)[0]
    last = timeutil.academic_year_bounds(year)[1]
    for each in (year - 1, year):
        prefill_federal_holidays(each)
        add_holiday("Winter break", date(each, 12, 24), date(each + 1, 1, 1))

    weekdays = [0, 1, 2, 3, 4]
    noon = _series(
        ctx,
        first,
        last,
        title="Noon Conference",
        kind="noon_conference",
        start_time=time(12),
        end_time=time(13),
        weekdays=weekdays,
        room="Medicine Conference Room 5A",
        required=True,
        public=True,
        description="The core curriculum: one topic a day, lunch provided.",
    )
    morning = _series(
        ctx,
        first,
        last,
        title="Morning Report",
        kind="morning_report",
        start_time=time(8),
        end_time=time(9),
        weekdays=[0, 1, 2, 4],
        room="Medicine Conference Room 5B",
        description="Overnight admissions, presented by the senior residents.",
    )
    grand_rounds = _series(
        ctx,
        first,
        last,
        title="Medicine Grand Rounds",
        kind="grand_rounds",
        start_time=time(8),
        end_time=time(9),
        weekdays=[3],
        room="Hospital Auditorium",
        required=True,
        public=True,
    )
    _series(
        ctx,
        first,
        last,
        title="Morbidity and Mortality",
        kind="mm",
        start_time=time(16),
        end_time=time(17),
        frequency="monthly",
        month_week=1,
        month_weekday=1,
        room="Hospital Auditorium",
        required=True,
        topics=["general"],
    )
    journal = _series(
        ctx,
        first,
        last,
        title="Journal Club",
        kind="journal_club",
        start_time=time(17),
        end_time=time(18),
        weekdays=[2],
        interval=2,
        room="Library Seminar Room",
        topics=["general"],
    )
    _series(
        ctx,
        first,
        last,
        title="Intern Report",
        kind="case_based",
        start_time=time(7, 30),
        end_time=time(8),
        weekdays=[1, 3],
        room="Medicine Conference Room 5B",
        audience={"pgy": [1]},
        required=True,
    )
    board = _series(
        ctx,
        first,
        last,
        title="Board Review",
        kind="board_review",
        start_time=time(16),
        end_time=time(17),
        weekdays=[0],
        room="Medicine Conference Room 5A",
        audience={"pgy": [3]},
        required=True,
    )
    _series(
        ctx,
        first,
        last,
        title="Ambulatory Block Didactics",
        kind="lecture",
        start_time=time(13),
        end_time=time(15),
        weekdays=[3],
        room="Clinic Teaching Room",
        audience={"settings": ["ambulatory"]},
        required=True,
        topics=["general"],
    )
    _series(
        ctx,
        first,
        last,
        title="Senior Report",
        kind="morning_report",
        start_time=time(7, 30),
        end_time=time(8),
        weekdays=[0, 2, 4],
        room="Medicine Conference Room 5B",
        audience={"pgy": [2, 3]},
    )
    for track in _tracks(ctx):
        _series(
            ctx,
            first,
            last,
            title=f"{track.name} Track Seminar",
            kind="workshop",
            start_time=time(13),
            end_time=time(14),
            weekdays=[4],
            room="Clinic Teaching Room",
            audience={"tracks": [track.id]},
        )
    for n, firm in enumerate(_firms(ctx)):
        _series(
            ctx,
            first,
            last,
            title=f"{firm.name} Firm Conference",
            kind="case_based",
            start_time=time(13),
            end_time=time(14),
            weekdays=[2],
            room=f"Firm Room {n + 1}",
            audience={"firms": [firm.id]},
        )
    _tag_topics([noon, morning, grand_rounds, board])
    _one_offs_and_changes(ctx, noon, morning, grand_rounds, journal, board)
    ctx.log(f"    {sum(ctx.data['schedule_counts'].values())} sessions generated")
    # Each year's schedule was built before it began (in June), not on the day the demo is
    # loaded: otherwise every past session would read as back-dated.
    for each in (year - 1, year):
        year_first, year_last = timeutil.academic_year_bounds(each)
        low, high = timeutil.range_bounds(year_first, year_last)
        built_at = timeutil.localize(year_first - timedelta(days=20), time(9))
        db.session.execute(
            update(Session)
            .where(
                Session.created_at > built_at,
                Session.starts_at >= low,
                Session.starts_at < high,
            )
            .values(created_at=built_at)
        )


def _one_offs_and_changes(ctx, noon, morning, grand_rounds, journal, board) -> None:
    """Visiting professors, cancellations and moves, near the demo's today."""
    soon = max(ctx.today, timeutil.academic_year_bounds(ctx.academic_year)[0])
    # A visiting professor replaces a grand rounds three weeks out.
    replaced = _next_on_or_after(grand_rounds, soon + timedelta(days=21))
    if replaced is not None:
        day = timeutil.local_date(replaced.starts_at)
        session_changes.cancel_session(
            replaced, "Replaced by the visiting professor's grand rounds.", actor=None
        )
        session_changes.create_session(
            {
                "title": "Visiting Professor Grand Rounds: Cardio-oncology",
                "kind": "grand_rounds",
                "day": day,
                "start_time": time(8),
                "end_time": time(9, 30),
                "room": "Hospital Auditorium",
                "required": True,
                "topics": ["cardiovascular", "oncology"],
                "description": "Our annual visiting professorship.",
            },
            actor=None,
        )
    later = _next_on_or_after(grand_rounds, soon + timedelta(days=90))
    if later is not None:
        session_changes.create_session(
            {
                "title": "Visiting Professor Lecture: Antimicrobial Stewardship",
                "kind": "lecture",
                "day": timeutil.local_date(later.starts_at) + timedelta(days=1),
                "start_time": time(14),
                "end_time": time(15),
                "room": "Hospital Auditorium",
                "topics": ["infectious"],
            },
            actor=None,
        )
    sim_day = soon + timedelta(days=(5 - soon.weekday()) % 7 + 14)  # a Saturday
    session_changes.create_session(
        {
            "title": "Code Blue Simulation Workshop",
            "kind": "simulation",
            "day": sim_day,
            "start_time": time(9),
            "end_time": time(12),
            "room": "Simulation Center",
            "audience": {"pgy": [1]},
            "required": True,
            "topics": ["cardiovascular", "pulmonary"],
        },
        actor=None,
    )
    for series, skip, reason in (
        (noon, 3, "Program-wide wellness afternoon."),
        (journal, 1, "Presenter ill; the article moves to the next journal club."),
        (morning, 10, "Hospital-wide town hall in the auditorium."),
    ):
        session = _next_on_or_after(series, soon, skip)
        if session is not None and not session.is_cancelled:
            session_changes.cancel_session(session, reason, actor=None)
    moved = _next_on_or_after(morning, soon, 5)
    if moved is not None:
        day = timeutil.local_date(moved.starts_at)
        session_changes.move_session(
            moved, day, time(9), time(10), actor=None, room="Library Seminar Room"
        )
    shifted = _next_on_or_after(board, soon, 2)
    if shifted is not None:
        day = timeutil.local_date(shifted.starts_at) + timedelta(days=1)
        session_changes.move_session(shifted, day, time(17), time(18), actor=None)
