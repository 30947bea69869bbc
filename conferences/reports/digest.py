"""The weekly at-risk digest: residents below the attendance threshold and those trending
below it, e-mailed to coordinators (``reports at-risk-digest``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from conferences import timeutil
from conferences.extensions import db
from conferences.notifications.services import send
from conferences.people.models import Role, User, UserRole
from conferences.program.services import threshold_for
from conferences.reports.filters import Filters
from conferences.reports.overview import ResidentLine, overview
from conferences.reports.resident import RECENT_DAYS, outlook_from
from conferences.reports.tables import percent


def attendance_digest(now: datetime | None = None) -> tuple[list[ResidentLine], list]:
    """Residents below the threshold and those trending below, this academic year so far."""
    now = now or timeutil.now_utc()
    today = timeutil.local_date(now)
    year = timeutil.academic_year_of(today)
    start_on, end_on = timeutil.academic_year_bounds(year)
    filters = Filters(start_on, end_on)
    view = overview(filters, now=now)
    below = sorted(view.below, key=lambda r: (r.rate or 0, r.name.lower()))
    below_ids = {r.id for r in below}
    trending = []
    for line in view.residents:
        if line.id in below_ids or line.expected == 0:
            continue
        look = outlook_from(view.evaluation, line.id, view.threshold, today)
        if look.trending_below:
            trending.append((line, look))
    return below, trending


@dataclass
class DigestResult:
    below: list[ResidentLine]
    trending: list
    sent: int


def send_attendance_digest(now: datetime | None = None) -> DigestResult:
    """E-mail coordinators this week's at-risk list (once per ISO week each)."""
    now = now or timeutil.now_utc()
    below, trending = attendance_digest(now)
    today = timeutil.local_date(now)
    iso_year, iso_week, _ = today.isocalendar()
    threshold = threshold_for(timeutil.academic_year_of(today))
    lines = [f"Attendance of required sessions this academic year (threshold {threshold} %)", ""]
    if below:
        lines.append(f"Below the threshold ({len(below)}):")
        lines += [f"  - {r.name}: {percent(r.rate)} ({r.attended}/{r.expected})" for r in below]
    else:
        lines.append("Nobody is below the threshold.")
    lines.append("")
    if trending:
        lines.append(f"Trending below over the last {RECENT_DAYS} days ({len(trending)}):")
        lines += [
            f"  - {r.name}: {percent(r.rate)} overall, {percent(o.recent_rate)} recently"
            for r, o in trending
        ]
    else:
        lines.append("Nobody is trending below the threshold.")
    lines += ["", "Details: Reports (/reports)."]
    body = "\n".join(lines)
    sent = 0
    coordinators = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.COORDINATOR.value, User.active.is_(True))
        .order_by(User.id)
    )
    for coordinator in coordinators:
        message = send(
            coordinator,
            f"Attendance digest, week {iso_week} of {iso_year}: "
            f"{len(below)} below, {len(trending)} trending below",
            body,
            dedupe_key=f"attendance-digest:{iso_year}-W{iso_week:02d}:{coordinator.id}",
        )
        sent += message is not None
    return DigestResult(below, trending, sent)
