"""Demo data for the teaching domain: slot templates, slots on every session, sign-ups, feedback.

Past sessions have their slots filled; upcoming ones are mostly filled, with a few open
in the coming three weeks; faculty@demo.test teaches several past and upcoming sessions;
some past sessions carry residents' feedback. Rows go in with bulk inserts.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import exists, insert, select

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.schedule.audience import in_audience, resident_facts
from conferences.schedule.models import Series, Session, SessionStatus
from conferences.teaching.models import Feedback, SlotTemplate, TeachingSlot

DEMO_FACULTY_EMAIL = "faculty@demo.test"

# Slots each kind of series needs: (role, who may fill it).
TEMPLATES = {
    "noon_conference": [("lecturer", "faculty")],
    "lecture": [("lecturer", "faculty")],
    "grand_rounds": [("lecturer", "faculty")],
    "morning_report": [("case_presenter", "resident"), ("discussant", "faculty")],
    "mm": [("case_presenter", "resident"), ("discussant", "faculty")],
    "case_based": [("case_presenter", "resident"), ("facilitator", "faculty")],
    "journal_club": [("journal_club_presenter", "resident"), ("moderator", "faculty")],
    "board_review": [("lecturer", "both")],
    "workshop": [("facilitator", "faculty")],
    "simulation": [("facilitator", "faculty")],
    "other": [("lecturer", "faculty")],
}

TALKS = {
    "lecturer": [
        "Hyponatremia without tears",
        "Sepsis: the first hour",
        "Anticoagulation in atrial fibrillation",
        "Diabetic ketoacidosis and HHS",
        "Acute kidney injury on the wards",
        "Interpreting pulmonary function tests",
        "Heart failure with reduced ejection fraction: GDMT",
        "Approach to the febrile neutropenic patient",
        "Cirrhosis complications",
        "Syncope work-up that matters",
        "Chest pain in the ED: risk scores",
        "Thyroid nodules and thyroid function",
        "Inflammatory arthritis for the internist",
        "Delirium prevention",
        "Perioperative medicine essentials",
    ],
    "case_presenter": [
        "A 54-year-old with dyspnea and leg swelling",
        "Fever after travel",
        "An unusual cause of anemia",
        "Confusion and hypercalcemia",
        "Chest pain with a normal ECG",
        "Rash, fever and joint pain",
        "Recurrent hypoglycemia",
    ],
    "journal_club_presenter": [
        "SGLT2 inhibitors in HFpEF",
        "Restrictive vs liberal transfusion",
        "Balanced crystalloids vs saline",
        "Early rhythm control in AF",
        "Corticosteroids in severe CAP",
    ],
    "facilitator": [
        "Ultrasound-guided IV access",
        "Code leadership",
        "Goals-of-care conversations",
    ],
}


def load(ctx) -> None:
    """Add this domain's part of the demo program."""
    rng = ctx.rng
    now = timeutil.now_utc()
    faculty = ctx.data.get("faculty") or _people(Role.FACULTY)
    residents = ctx.data.get("residents") or _people(Role.RESIDENT)
    demo_faculty = db.session.scalar(select(User).where(User.email == DEMO_FACULTY_EMAIL))
    series_list = list(db.session.scalars(select(Series).order_by(Series.id)))
    if not series_list:
        ctx.log("  teaching: no series, no slots")
        return

    templates = {s.id: TEMPLATES.get(s.kind, TEMPLATES["other"]) for s in series_list}
    db.session.execute(
        insert(SlotTemplate),
        [
            {"series_id": sid, "role": role, "eligibility": who, "position": i}
            for sid, rows in templates.items()
            for i, (role, who) in enumerate(rows)
        ],
    )

    sessions = list(db.session.scalars(select(Session).order_by(Session.starts_at, Session.id)))
    three_weeks = now + timedelta(weeks=3)
    seniors = [r for r in residents if (r.pgy(ctx.today) or 1) >= 2] or residents
    slot_rows: list[dict] = []
    for session in sessions:
        plan = templates.get(session.series_id) or TEMPLATES.get(session.kind, TEMPLATES["other"])
        for position, (role, who) in enumerate(plan):
            row = {
                "session_id": session.id,
                "role": role,
                "eligibility": who,
                "position": position,
                "holder_id": None,
                "claimed_at": None,
                "talk_title": "",
                "updated_at": now,
            }
            if session.status == SessionStatus.SCHEDULED.value:
                if session.starts_at <= now:
                    fill = 1.0
                elif session.starts_at <= three_weeks:
                    fill = 0.8
                else:
                    fill = 0.55
                if rng.random() < fill:
                    pool = seniors if who == "resident" else faculty
                    if who == "both":
                        pool = faculty + seniors[:20]
                    if pool:
                        holder = rng.choice(pool)
                        row["holder_id"] = holder.id
                        row["claimed_at"] = min(now, session.starts_at) - timedelta(
                            days=rng.randint(10, 40)
                        )
                        titles = TALKS.get(role)
                        if titles and (session.starts_at <= now or rng.random() < 0.6):
                            row["talk_title"] = rng.choice(titles)
            row["_session"] = session
            slot_rows.append(row)

    if demo_faculty is not None:
        _give_demo_faculty_teaching(slot_rows, demo_faculty, now, rng)

    db.session.execute(
        insert(TeachingSlot), [{k: v for k, v in r.items() if k != "_session"} for r in slot_rows]
    )
    open_soon = sum(
        1
        for r in slot_rows
        if r["holder_id"] is None
        and now < r["_session"].starts_at <= three_weeks
        and r["_session"].status == SessionStatus.SCHEDULED.value
    )
    feedback_rows = _feedback(ctx, slot_rows, residents, demo_faculty, now)
    if feedback_rows:
        db.session.execute(insert(Feedback), feedback_rows)
    ctx.log(
        f"  teaching: {len(slot_rows)} slots ({open_soon} open in the next 3 weeks), "
        f"{len(feedback_rows)} feedback responses"
    )


def _people(role: Role) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.active,
                exists().where(UserRole.user_id == User.id, UserRole.role == role.value),
            )
            .order_by(User.id)
        )
    )


def _give_demo_faculty_teaching(slot_rows, person, now, rng) -> None:
    """faculty@demo.test: five past sessions, one this week, two further ahead."""
    faculty_rows = [
        r
        for r in slot_rows
        if r["eligibility"] in ("faculty", "both")
        and r["_session"].status == SessionStatus.SCHEDULED.value
    ]
    past = [r for r in faculty_rows if r["_session"].starts_at <= now - timedelta(days=2)]
    soon = [r for r in faculty_rows if now + timedelta(days=2) < r["_session"].starts_at]
    picks = past[-40::8][:5]
    inside_cutoff = [r for r in soon if r["_session"].starts_at <= now + timedelta(days=6)][:1]
    later = [r for r in soon if now + timedelta(days=10) <= r["_session"].starts_at]
    picks += inside_cutoff + later[:30:12][:2]
    for row in picks:
        row["holder_id"] = person.id
        row["claimed_at"] = min(now, row["_session"].starts_at) - timedelta(days=21)
        titles = TALKS.get(row["role"]) or TALKS["lecturer"]
        row["talk_title"] = rng.choice(titles)


def _feedback(ctx, slot_rows, residents, demo_faculty, now) -> list[dict]:
    """Ratings from residents in the audience of recent past sessions."""
    if not residents:
        return []
    facts = resident_facts(residents)
    by_session = {}
    for row in slot_rows:
        session = row["_session"]
        if (
            session.status == SessionStatus.SCHEDULED.value
            and now - timedelta(days=45) <= session.ends_at <= now
        ):
            entry = by_session.setdefault(session.id, [session, False])
            if demo_faculty is not None and row["holder_id"] == demo_faculty.id:
                entry[1] = True
    rng = ctx.rng
    rows: list[dict] = []
    attendees: dict[int, list[int]] = {}
    for session, taught_by_demo in by_session.values():
        if not taught_by_demo and rng.random() > 0.35:
            continue
        sample = rng.sample(residents, min(len(residents), 24))
        audience = [r for r in sample if in_audience(session, facts[r.id])]
        count = rng.randint(3, 7) if taught_by_demo else rng.randint(0, 6)
        for resident in audience[:count]:
            rating = max(1, min(5, round(rng.gauss(4.1, 0.8))))
            rows.append(
                {
                    "session_id": session.id,
                    "resident_id": resident.id,
                    "rating": rating,
                    "comment": rng.choice(
                        [
                            "",
                            "",
                            "Clear and practical.",
                            "Great cases, would like more time for questions.",
                            "Slides were dense.",
                            "Very helpful for the wards.",
                        ]
                    ),
                    "created_at": min(now, session.ends_at + timedelta(hours=rng.randint(1, 30))),
                }
            )
            attendees.setdefault(session.id, []).append(resident.id)
    # Residents who rated a session were there: the attendance loader may mark them present.
    ctx.data["feedback_attendees"] = attendees
    return rows
