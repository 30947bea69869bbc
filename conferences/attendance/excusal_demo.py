"""Demo excusal requests: some pending, some approved or denied, one granted directly."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance.models import Excusal, ExcusalReason, RequestStatus
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole

NOON = time(12)
NOTES = {
    ExcusalReason.ILLNESS: "Fever and cough; staying home as advised by employee health.",
    ExcusalReason.CONFERENCE_TRAVEL: "Presenting a poster at the ACP national meeting.",
    ExcusalReason.FAMILY: "Family wedding out of state.",
    ExcusalReason.CLINICAL_DUTY: "Covering a cross-cover shift for a sick colleague.",
    ExcusalReason.OTHER: "USMLE Step 3, day two.",
}


def _people(ctx, role: Role) -> list[User]:
    key = {Role.RESIDENT: "residents", Role.COORDINATOR: "coordinators"}[role]
    if ctx.data.get(key):
        return [u for u in ctx.data[key] if u is not None]
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role.value)
            .order_by(User.id)
        )
    )


def load(ctx) -> None:
    """A few pending and decided excusal requests around the demo's "today"."""
    residents = _people(ctx, Role.RESIDENT)
    coordinators = [c for c in _people(ctx, Role.COORDINATOR) if not c.is_resident]
    if not residents or not coordinators:
        return
    rng = ctx.rng
    today = ctx.today
    year_start, year_end = timeutil.academic_year_bounds(ctx.academic_year)
    now = timeutil.now_utc()
    picks = rng.sample(residents, min(len(residents), 14))
    # (days from today to the first day, length in days, reason, status)
    plan = [
        (5, 2, ExcusalReason.CONFERENCE_TRAVEL, RequestStatus.PENDING),
        (12, 4, ExcusalReason.FAMILY, RequestStatus.PENDING),
        (2, 0, ExcusalReason.OTHER, RequestStatus.PENDING),
        (-1, 1, ExcusalReason.ILLNESS, RequestStatus.PENDING),
        (20, 1, ExcusalReason.CLINICAL_DUTY, RequestStatus.PENDING),
        (-30, 2, ExcusalReason.ILLNESS, RequestStatus.APPROVED),
        (-45, 4, ExcusalReason.CONFERENCE_TRAVEL, RequestStatus.APPROVED),
        (-60, 0, ExcusalReason.CLINICAL_DUTY, RequestStatus.APPROVED),
        (-21, 2, ExcusalReason.FAMILY, RequestStatus.APPROVED),
        (-14, 0, ExcusalReason.OTHER, RequestStatus.DENIED),
        (-9, 3, ExcusalReason.OTHER, RequestStatus.DENIED),
        (8, 1, ExcusalReason.CONFERENCE_TRAVEL, RequestStatus.APPROVED),
        (-5, 0, ExcusalReason.ILLNESS, RequestStatus.WITHDRAWN),
    ]
    created = 0
    for resident, (offset, length, reason, status) in zip(picks, plan, strict=False):
        starts_on = max(year_start, min(year_end, today + timedelta(days=offset)))
        ends_on = min(year_end, starts_on + timedelta(days=length))
        requested_at = now - timedelta(days=max(1, -offset + rng.randrange(1, 6)))
        excusal = Excusal(
            resident_id=resident.id,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason.value,
            note=NOTES[reason],
            status=status.value,
            requested_by_id=resident.id,
            created_at=min(requested_at, now),
        )
        if status in (RequestStatus.APPROVED, RequestStatus.DENIED):
            decider = rng.choice(coordinators)
            excusal.decided_by_id = decider.id
            excusal.decided_at = min(
                now, excusal.created_at + timedelta(hours=rng.randrange(2, 40))
            )
            excusal.decision_comment = (
                "Approved — enjoy, and watch the recording."
                if status == RequestStatus.APPROVED
                else "Not a reason we can excuse; please attend or watch the recording."
            )
        db.session.add(excusal)
        created += 1
    # One excusal granted directly by a coordinator.
    if len(picks) > len(plan):
        resident = picks[len(plan)]
        decider = coordinators[0]
        db.session.add(
            Excusal(
                resident_id=resident.id,
                starts_on=max(year_start, today - timedelta(days=40)),
                ends_on=max(year_start, today - timedelta(days=38)),
                reason=ExcusalReason.CLINICAL_DUTY.value,
                note="Stayed with a crashing patient during the rapid response.",
                status=RequestStatus.APPROVED.value,
                requested_by_id=decider.id,
                decided_by_id=decider.id,
                decided_at=now - timedelta(days=37),
                created_at=now - timedelta(days=37),
                decision_comment="Granted by the program.",
            )
        )
        created += 1
    created += _last_year(ctx, coordinators)
    ctx.log(f"  excusals: {created} requests")


def _last_year(ctx, coordinators: list[User]) -> int:
    """Decided excusals of the previous academic year, for those who were residents then."""
    rng = ctx.rng
    year = ctx.academic_year - 1
    first, _ = timeutil.academic_year_bounds(year)
    then = list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.RESIDENT.value, User.start_year <= year)
            .order_by(User.id)
        )
    )
    if not then:
        return 0
    reasons = list(NOTES)
    created = 0
    for resident in rng.sample(then, min(len(then), 24)):
        starts_on = first + timedelta(days=rng.randrange(10, 350))
        reason = rng.choice(reasons)
        approved = rng.random() < 0.8
        requested_at = timeutil.localize(starts_on - timedelta(days=rng.randrange(2, 20)), NOON)
        db.session.add(
            Excusal(
                resident_id=resident.id,
                starts_on=starts_on,
                ends_on=starts_on + timedelta(days=rng.randrange(0, 4)),
                reason=reason.value,
                note=NOTES[reason],
                status=(RequestStatus.APPROVED if approved else RequestStatus.DENIED).value,
                requested_by_id=resident.id,
                created_at=requested_at,
                decided_by_id=rng.choice(coordinators).id,
                decided_at=requested_at + timedelta(hours=rng.randrange(2, 40)),
                decision_comment="Approved." if approved else "Please attend.",
            )
        )
        created += 1
    return created
