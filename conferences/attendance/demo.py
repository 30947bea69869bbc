"""Demo attendance: a realistic year so far, written in bulk.

For every past required session, each resident in its audience (and not on an excusing
rotation that day) attended with their own probability: most 70–95 %, a few below the
threshold. Some arrive late, a few marks were entered by hand with a reason, one session
has a flagged pair of check-ins from one phone, and a few "I attended" claims wait.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceClaim,
    Mark,
    RequestStatus,
    Source,
)
from conferences.dbutil import bulk_insert
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.schedule.audience import (
    Audience,
    ResidentFacts,
    is_active_resident,
    resident_facts,
)
from conferences.schedule.models import Session, SessionStatus

CHUNK = 5000
GRACE = timedelta(minutes=10)
MANUAL_REASONS = (
    "Signed the paper sheet; phone battery was dead.",
    "Check-in screen was not working at the start.",
    "Arrived with the attending from a rapid response.",
    "Confirmed by the chief resident in the room.",
)
ABSENT_REASONS = (
    "Checked in from the hallway and left for clinic.",
    "Left after ten minutes for a new admission.",
)
CLAIM_NOTES = (
    "My phone died during rounds; I sat in the second row.",
    "I came straight from the ICU after the window closed.",
    "The QR code would not scan on my phone; I was by the door.",
)


def load(ctx) -> None:
    """Attendance for every past required session, plus audit rows and a few claims."""
    rng = ctx.rng
    today_start = timeutil.day_bounds(ctx.today)[0]
    sessions = [
        Past(*row)
        for row in db.session.execute(
            select(Session.id, Session.starts_at, Session.ends_at, Session.audience)
            .where(
                Session.required.is_(True),
                Session.status == SessionStatus.SCHEDULED.value,
                Session.starts_at < today_start,
            )
            .order_by(Session.starts_at)
        )
    ]
    residents = list(db.session.scalars(select(User).where(is_active_resident()).order_by(User.id)))
    if not sessions or not residents:
        ctx.log("    no past sessions or residents: no attendance")
        return
    facts = resident_facts(residents)
    coordinator = _coordinator()

    # Each resident's habits: most attend 70-95 %, about one in twelve falls below 70 %.
    rate = {}
    lateness = {}
    device = {}
    for resident in residents:
        low = rng.random() < 0.08
        rate[resident.id] = rng.uniform(0.45, 0.66) if low else rng.uniform(0.72, 0.97)
        lateness[resident.id] = rng.uniform(0.02, 0.15)
        device[resident.id] = f"demo-{rng.getrandbits(64):016x}"

    members_cache: dict[tuple[str, object], list[int]] = {}
    marks: list[dict] = []
    changes: list[dict] = []
    absentees: list[tuple[Past, int]] = []

    def record(session, rid, mark, source, at, actor_id, reason, device=""):
        """One mark and the audit row that explains it."""
        marks.append(
            {
                "session_id": session.id,
                "resident_id": rid,
                "mark": mark.value,
                "source": source.value,
                "checked_in_at": at if source is Source.CHECKIN else None,
                "device_id": device,
                "flagged": False,
                "updated_at": at,
                "updated_by_id": actor_id,
            }
        )
        changes.append(
            {
                "session_id": session.id,
                "resident_id": rid,
                "actor_id": actor_id,
                "at": at,
                "old_mark": None,
                "new_mark": mark.value,
                "source": source.value,
                "reason": reason,
            }
        )

    days = {timeutil.local_date(session.starts_at) for session in sessions}
    excused_on = _excused_by_rotation_on(facts, days)
    # Membership by PGY, firm, track and residency holds for a whole academic year (no
    # demo resident has a graduation date of their own); rotation audiences go by day.
    yearly = not any(f.graduates_on for f in facts.values())
    base_cache: dict[tuple[str, object], list[int]] = {}
    for session in sessions:
        day = timeutil.local_date(session.starts_at)
        audience = Audience.from_json(session.audience)
        key = (audience.key(), day)
        if key not in members_cache:
            if audience.depends_on_rotation or not yearly:
                base = [rid for rid, f in facts.items() if audience.includes(f, day)]
            else:
                year_key = (audience.key(), timeutil.academic_year_of(day))
                if year_key not in base_cache:
                    base_cache[year_key] = [
                        rid for rid, f in facts.items() if audience.includes(f, day)
                    ]
                base = base_cache[year_key]
            away = excused_on.get(day, set())
            members_cache[key] = [rid for rid in base if rid not in away]
        for rid in members_cache[key]:
            if rng.random() >= rate[rid]:
                if rng.random() >= 0.01 or coordinator is None:
                    absentees.append((session, rid))
                else:
                    at = session.ends_at + timedelta(hours=1)
                    record(
                        session,
                        rid,
                        Mark.ABSENT,
                        Source.MANUAL,
                        at,
                        coordinator.id,
                        rng.choice(ABSENT_REASONS),
                    )
                continue
            if rng.random() < 0.03 and coordinator is not None:
                at = session.ends_at + timedelta(minutes=rng.randint(20, 240))
                record(
                    session,
                    rid,
                    Mark.PRESENT,
                    Source.MANUAL,
                    at,
                    coordinator.id,
                    rng.choice(MANUAL_REASONS),
                )
                continue
            if rng.random() < lateness[rid]:
                mark = Mark.LATE
                at = session.starts_at + GRACE + timedelta(seconds=rng.randint(1, 25 * 60))
            else:
                mark = Mark.PRESENT
                at = session.starts_at + timedelta(seconds=rng.randint(-12 * 60, 9 * 60))
            record(session, rid, mark, Source.CHECKIN, at, rid, "", device=device[rid])

    _flag_a_shared_phone(marks, sessions[-1])
    db.session.flush()
    for model, rows in ((Attendance, marks), (AttendanceChange, changes)):
        columns = list(rows[0]) if rows else []
        bulk_insert(model, columns, [tuple(row[c] for c in columns) for row in rows])
    claims = _claims(ctx, absentees, coordinator)
    db.session.flush()
    ctx.log(
        f"    {len(marks)} marks over {len(sessions)} past sessions, "
        f"{len(changes)} audit rows, {claims} claims"
    )


class Past(NamedTuple):
    id: int
    starts_at: datetime
    ends_at: datetime
    audience: dict


def _excused_by_rotation_on(facts: dict[int, ResidentFacts], days: set[date]) -> dict:
    """Day -> residents on an excusing rotation that day (only the given days)."""
    found: dict[date, set[int]] = {}
    for rid, resident in facts.items():
        for block in resident.blocks:
            if not block.excuses:
                continue
            day = block.start_on
            while day <= block.end_on:
                if day in days:
                    found.setdefault(day, set()).add(rid)
                day += timedelta(days=1)
    return found


def _coordinator() -> User | None:
    return db.session.scalar(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR.value)
        .order_by(User.email != "coordinator@demo.test", User.id)
        .limit(1)
    )


def _flag_a_shared_phone(marks: list[dict], session: Past) -> None:
    """In the latest session, one phone checked in two residents: both are flagged."""
    pair = [m for m in marks if m["session_id"] == session.id and m["source"] == "checkin"][:2]
    if len(pair) == 2:
        for mark in pair:
            mark["device_id"] = pair[0]["device_id"]
            mark["flagged"] = True


def _claims(ctx, absentees: list[tuple[Past, int]], coordinator: User | None) -> int:
    """A few recent "I attended" claims: pending ones, and one approved."""
    horizon = timeutil.day_bounds(ctx.today - timedelta(days=6))[0]
    recent = [(s, rid) for s, rid in absentees if s.starts_at >= horizon]
    if not recent:
        return 0
    chosen = ctx.rng.sample(recent, min(4, len(recent)))
    for index, (session, rid) in enumerate(chosen):
        claim = AttendanceClaim(
            session_id=session.id,
            resident_id=rid,
            note=CLAIM_NOTES[index % len(CLAIM_NOTES)],
            created_at=session.ends_at + timedelta(hours=2),
        )
        if index == 0 and coordinator is not None:
            decided_at = session.ends_at + timedelta(days=1)
            claim.status = RequestStatus.APPROVED.value
            claim.decided_by_id = coordinator.id
            claim.decided_at = decided_at
            db.session.add(
                Attendance(
                    session_id=session.id,
                    resident_id=rid,
                    mark=Mark.PRESENT.value,
                    source=Source.CLAIM.value,
                    updated_at=decided_at,
                    updated_by_id=coordinator.id,
                )
            )
            db.session.add(
                AttendanceChange(
                    session_id=session.id,
                    resident_id=rid,
                    actor_id=coordinator.id,
                    at=decided_at,
                    old_mark=None,
                    new_mark=Mark.PRESENT.value,
                    source=Source.CLAIM.value,
                    reason=f"Claim approved: {claim.note}",
                )
            )
        db.session.add(claim)
    return len(chosen)
