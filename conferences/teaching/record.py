"""A person's teaching record: what they taught and will teach, totals, and its CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import func, select

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.schedule.models import Session, SessionStatus
from conferences.teaching.models import TeachingSlot
from conferences.teaching.queries import upcoming_slots_query


@dataclass
class KindTotal:
    kind: str
    label: str
    sessions: int = 0
    hours: float = 0.0
    upcoming: int = 0


@dataclass
class YearTotal:
    year: int
    label: str
    sessions: int = 0
    hours: float = 0.0
    upcoming: int = 0
    kinds: list[KindTotal] = field(default_factory=list)


@dataclass
class TeachingRecord:
    person: User
    upcoming: list[TeachingSlot]
    past: list[TeachingSlot]
    years: list[YearTotal]
    sessions_taught: int
    hours_taught: float


def teaching_record(person: User) -> TeachingRecord:
    """What ``person`` taught and will teach, with totals by academic year and kind.

    Totals count sessions (one per session, however many slots held on it) and their
    hours; cancelled sessions are left out. Upcoming sessions are counted apart.
    """
    now = timeutil.now_utc()
    slots = list(
        db.session.scalars(
            upcoming_slots_query()
            .where(TeachingSlot.holder_id == person.id)
            .order_by(Session.starts_at, TeachingSlot.position)
        ).unique()
    )
    upcoming = [s for s in slots if s.session.starts_at > now]
    past = [s for s in slots if s.session.starts_at <= now]
    past.reverse()
    years: dict[int, YearTotal] = {}
    kinds: dict[tuple[int, str], KindTotal] = {}
    seen: set[int] = set()
    for slot in slots:
        session = slot.session
        if session.id in seen:
            continue
        seen.add(session.id)
        year = timeutil.academic_year_of(timeutil.local_date(session.starts_at))
        total = years.setdefault(year, YearTotal(year, timeutil.academic_year_label(year)))
        kind = kinds.get((year, session.kind))
        if kind is None:
            kind = kinds[(year, session.kind)] = KindTotal(session.kind, session.kind_label)
            total.kinds.append(kind)
        if session.starts_at > now:
            total.upcoming += 1
            kind.upcoming += 1
        else:
            total.sessions += 1
            kind.sessions += 1
            total.hours += session.duration_hours
            kind.hours += session.duration_hours
    ordered = sorted(years.values(), key=lambda y: y.year, reverse=True)
    for total in ordered:
        total.kinds.sort(key=lambda k: k.label)
    return TeachingRecord(
        person=person,
        upcoming=upcoming,
        past=past,
        years=ordered,
        sessions_taught=sum(y.sessions for y in ordered),
        hours_taught=sum(y.hours for y in ordered),
    )


def record_csv(record: TeachingRecord) -> str:
    """The teaching record as CSV, one row per slot held, oldest first."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "academic_year",
            "date",
            "start",
            "end",
            "session",
            "series",
            "kind",
            "role",
            "talk_title",
            "hours",
            "status",
        ]
    )
    for slot in [*reversed(record.past), *record.upcoming]:
        session = slot.session
        day = timeutil.local_date(session.starts_at)
        writer.writerow(
            [
                timeutil.academic_year_label(timeutil.academic_year_of(day)),
                day.isoformat(),
                timeutil.format_local(session.starts_at, "%H:%M"),
                timeutil.format_local(session.ends_at, "%H:%M"),
                _csv_safe(session.title),
                _csv_safe(session.series.title if session.series else ""),
                session.kind_label,
                slot.role_label,
                _csv_safe(slot.talk_title),
                f"{session.duration_hours:.2f}",
                "scheduled" if session.starts_at > timeutil.now_utc() else "taught",
            ]
        )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def faculty_teaching_counts() -> tuple[list[User], dict[int, tuple[int, int]]]:
    """Every faculty member, and per holder the (upcoming, past) slots held on scheduled
    sessions: who teaches what, for the coordinators' faculty page."""
    now = timeutil.now_utc()
    people = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.FACULTY.value)
            .order_by(User.name)
        )
    )
    counts: dict[int, tuple[int, int]] = {}
    rows = db.session.execute(
        select(
            TeachingSlot.holder_id,
            func.count(TeachingSlot.id).filter(Session.starts_at > now),
            func.count(TeachingSlot.id).filter(Session.starts_at <= now),
        )
        .join(Session, TeachingSlot.session_id == Session.id)
        .where(
            TeachingSlot.holder_id.is_not(None),
            Session.status == SessionStatus.SCHEDULED.value,
        )
        .group_by(TeachingSlot.holder_id)
    )
    for holder_id, upcoming, past in rows:
        counts[holder_id] = (upcoming, past)
    return people, counts
