"""The demo program holds the previous academic year complete and this one up to today:
schedule, attendance, excusals and teaching in both; alumni in last year only; a PGY-2's
whole residency has two years; and the program rolls forward into next year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from conferences import timeutil
from conferences.attendance.evaluation import evaluate
from conferences.attendance.models import Attendance, Excusal
from conferences.demo import load_demo
from conferences.extensions import db
from conferences.people.models import User
from conferences.reports import residency
from conferences.schedule import rollforward
from conferences.schedule.models import Session
from conferences.teaching.models import TeachingSlot


def _count(model, column, first: date, last: date, *where) -> int:
    if column.type.python_type is date:
        condition = (column >= first, column <= last)
    else:
        low, high = timeutil.range_bounds(first, last)
        condition = (column >= low, column < high)
    return db.session.scalar(select(func.count()).select_from(model).where(*condition, *where))


def test_the_demo_has_last_year_complete_and_rolls_forward(app_ctx, clock):
    load_demo()
    db.session.commit()
    year = timeutil.current_academic_year()
    last_first, last_last = timeutil.academic_year_bounds(year - 1)
    assert _count(Session, Session.starts_at, last_first, last_last) > 1000
    marks = select(func.count(Attendance.id)).join(Session, Session.id == Attendance.session_id)
    low, high = timeutil.range_bounds(last_first, last_last)
    assert (
        db.session.scalar(marks.where(Session.starts_at >= low, Session.starts_at < high)) > 30000
    )
    assert _count(Excusal, Excusal.starts_on, last_first, last_last) >= 10
    held = (
        select(func.count(TeachingSlot.id))
        .join(Session, Session.id == TeachingSlot.session_id)
        .where(
            Session.starts_at >= low, Session.starts_at < high, TeachingSlot.holder_id.is_not(None)
        )
    )
    assert db.session.scalar(held) > 1000

    # Alumni count last year, and are in no audience this year.
    alumnus = db.session.scalar(select(User).where(User.start_year == year - 3).limit(1))
    result = evaluate(*timeutil.academic_year_bounds(year - 1), resident_ids=[alumnus.id])
    assert result.totals_by_resident()[alumnus.id][0] > 100
    this_year = evaluate(*timeutil.academic_year_bounds(year), resident_ids=[alumnus.id])
    assert this_year.totals_by_resident()[alumnus.id][0] == 0

    pgy2 = db.session.scalar(select(User).where(User.start_year == year - 1).limit(1))
    years = residency.residency(pgy2).years
    assert [y.pgy for y in years] == [1, 2]
    assert all(y.expected > 0 for y in years)

    plan = rollforward.preview(year + 1)
    assert plan.new_count > 1000
    assert plan.skipped_count > 20
