"""The attendance CLI and the demo loader."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import func, select

from conferences import timeutil
from conferences.attendance import demo
from conferences.attendance.models import Attendance, AttendanceChange
from conferences.demo import DemoContext
from conferences.extensions import db
from conferences.rotations.models import RotationAssignment, RotationType
from tests.attendance.conftest import code_at


def test_cli_code_roster_and_mark(runner, clock, live_session, resident, coordinator):
    session = live_session(title="Board Review")
    db.session.commit()
    out = runner.invoke(args=["attendance", "code", session.public_id]).output
    assert code_at(session, clock()) in out
    assert "window 09:45–10:45, late after 10:10" in out

    result = runner.invoke(
        args=[
            "attendance",
            "mark",
            session.public_id,
            "late",
            resident.email,
            "--actor",
            coordinator.email,
            "--reason",
            "Paper sheet",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "1 changed" in result.output
    change = db.session.scalars(select(AttendanceChange)).one()
    assert (change.actor_id, change.new_mark, change.reason) == (
        coordinator.id,
        "late",
        "Paper sheet",
    )
    refused = runner.invoke(
        args=[
            "attendance",
            "mark",
            session.public_id,
            "present",
            resident.email,
            "--actor",
            resident.email,
        ]
    )
    assert refused.exit_code != 0
    out = runner.invoke(args=["attendance", "roster", session.public_id]).output
    assert "late 1" in out
    assert "Rita Resident" in out


def test_demo_attendance_respects_audiences_rotations_and_rates(
    app_ctx, clock, make_resident, make_session, make_user
):
    make_user(roles=("coordinator",), email="coordinator@demo.test")
    today = date(2026, 11, 4)
    residents = [make_resident(pgy=1 + n % 3, on=today) for n in range(24)]
    vacation = RotationType(name="Vacation", setting="vacation", excuses=True)
    db.session.add(vacation)
    db.session.flush()
    away = residents[0]
    db.session.add(
        RotationAssignment(
            resident_id=away.id,
            rotation_type_id=vacation.id,
            start_on=date(2026, 9, 1),
            end_on=date(2026, 11, 30),
        )
    )
    sessions = [make_session(on=today - timedelta(days=d), start=time(12, 0)) for d in range(1, 41)]
    interns_only = make_session(
        on=today - timedelta(days=2), start=time(7, 0), audience={"pgy": [1]}
    )
    make_session(on=today + timedelta(days=1))  # the future gets nothing
    db.session.flush()

    ctx = DemoContext(
        rng=random.Random(7), today=today, academic_year=timeutil.academic_year_of(today)
    )
    demo.load(ctx)

    marks = db.session.scalar(select(func.count()).select_from(Attendance))
    changes = db.session.scalar(select(func.count()).select_from(AttendanceChange))
    assert marks == changes > 0
    # The resident on vacation since September has no marks at all.
    assert not db.session.scalars(
        select(Attendance).where(Attendance.resident_id == away.id)
    ).first()
    # Only interns at the interns' session.
    interns = {r.id for r in residents if r.pgy(today) == 1}
    at_interns = set(
        db.session.scalars(
            select(Attendance.resident_id).where(Attendance.session_id == interns_only.id)
        )
    )
    assert at_interns
    assert at_interns <= interns
    # Rates: most residents between 60 and 100 %, and some clearly miss sessions.
    attended = dict(
        db.session.execute(
            select(Attendance.resident_id, func.count())
            .where(
                Attendance.mark.in_(("present", "late")),
                Attendance.session_id.in_([s.id for s in sessions]),
            )
            .group_by(Attendance.resident_id)
        ).all()
    )
    rates = [attended.get(r.id, 0) / len(sessions) for r in residents[1:]]
    assert sum(0.6 <= r <= 1.0 for r in rates) >= len(rates) * 0.75
    assert min(rates) < 0.9
    late = db.session.scalar(select(func.count()).where(Attendance.mark == "late"))
    manual = db.session.scalar(select(func.count()).where(Attendance.source == "manual"))
    assert late > 0
    assert manual > 0
