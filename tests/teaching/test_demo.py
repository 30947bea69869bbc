"""The teaching demo loader on a small program: templates, slots, sign-ups, feedback."""

from __future__ import annotations

import random
from datetime import time, timedelta

from sqlalchemy import func, select

from conferences import timeutil
from conferences.demo import DemoContext
from conferences.extensions import db
from conferences.teaching import demo
from conferences.teaching.models import Feedback, SlotTemplate, TeachingSlot
from conferences.teaching.queries import needs_teacher
from conferences.teaching.record import teaching_record


def test_demo_fills_most_slots_and_leaves_some_open(
    clock, make_user, make_resident, make_series, make_session
):
    faculty = [make_user(roles=("faculty",)) for _ in range(6)]
    demo_faculty = make_user(roles=("faculty",), email="faculty@demo.test")
    residents = [make_resident(pgy=p) for p in (1, 2, 3) for _ in range(8)]
    noon = make_series(kind="noon_conference", title="Noon Conference")
    report = make_series(kind="morning_report", title="Morning Report")
    today = timeutil.local_today()
    sessions = 0
    for offset in range(-40, 40):
        day = today + timedelta(days=offset)
        if day.weekday() < 5:
            make_session(on=day, series_id=noon.id, kind="noon_conference", occurrence_on=day)
            make_session(
                on=day,
                start=time(7, 30),
                series_id=report.id,
                kind="morning_report",
                occurrence_on=day,
            )
            sessions += 2
    ctx = DemoContext(rng=random.Random(1), today=today, academic_year=2026)
    ctx.data["faculty"] = [*faculty, demo_faculty]
    ctx.data["residents"] = residents
    demo.load(ctx)
    db.session.flush()

    assert db.session.scalar(select(func.count()).select_from(SlotTemplate)) == 3
    slots = list(db.session.scalars(select(TeachingSlot)))
    assert len(slots) == sessions // 2 * 3  # lecturer; case presenter + discussant
    held = [s for s in slots if s.holder_id]
    assert len(held) > 0.6 * len(slots)
    assert all(s.holder.is_resident for s in held if s.role == "case_presenter")
    assert all(s.holder.is_faculty for s in held if s.role in ("lecturer", "discussant"))
    assert needs_teacher(weeks=3)  # some open in the coming weeks
    record = teaching_record(demo_faculty)
    assert len(record.past) >= 3
    assert len(record.upcoming) >= 2
    assert db.session.scalar(select(func.count()).select_from(Feedback)) > 0
