"""Sessions in reports: every session of the range with its counts, and one session's
audience and visitors with each resident's status (the per-session rules)."""

from __future__ import annotations

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import rules
from conferences.extensions import db
from conferences.people.models import User
from conferences.reports.overview import Overview
from conferences.reports.tables import Column, Table
from conferences.schedule.models import Series, Session, SessionStatus


def session_table(view: Overview, link=None) -> Table:
    """Every session in the range with its counts (optional and cancelled: shown, not counted)."""
    evaluation = view.evaluation
    series_titles = dict(db.session.execute(select(Series.id, Series.title)).all())
    table = Table(
        "sessions",
        "Sessions",
        [
            Column("date", "Date", "date"),
            Column("time", "Time"),
            Column("title", "Session"),
            Column("series", "Series"),
            Column("counted", "Counts"),
            Column("audience", "Audience", "int"),
            Column("excused", "Excused", "int"),
            Column("expected", "Expected", "int"),
            Column("attended", "Attended", "int"),
            Column("visitors", "Visitors", "int"),
            Column("rate", "Rate", "percent"),
        ],
    )
    for s in evaluation.sessions:
        members = evaluation.members.get(s.id, set())
        visitors = len(evaluation.visitors(s.id))
        if s.status == SessionStatus.CANCELLED.value:
            counted = "cancelled"
        elif not s.required:
            counted = "optional"
        elif not s.counted:
            counted = "not recorded"  # back-dated, and no attendance recorded yet
        elif not s.held:
            counted = "upcoming"
        else:
            counted = "yes"
        expected = len(evaluation.expected.get(s.id, ())) if s.held else 0
        attended = len(evaluation.attended(s.id)) if s.held else 0
        table.rows.append(
            [
                s.on,
                timeutil.format_local(s.starts_at, "%H:%M"),
                s.title,
                series_titles.get(s.series_id, ""),
                counted,
                len(members),
                len(evaluation.excused.get(s.id, {})),
                expected,
                attended,
                visitors,
                rules.rate(attended, expected) if counted == "yes" else None,
            ]
        )
        table.links.append(link(s) if link else None)
    return table


def session_detail_table(session: Session) -> Table:
    """Audience and visitors of one session, with each resident's status (per-session rules)."""
    statuses = rules.session_statuses(session)
    users = {
        u.id: u
        for u in db.session.scalars(
            select(User).where(User.id.in_([s.resident_id for s in statuses] or [0]))
        )
    }
    day = timeutil.local_date(session.starts_at)
    table = Table(
        "session",
        f"{session.title}, {day.isoformat()}",
        [
            Column("name", "Resident"),
            Column("email", "Email"),
            Column("pgy", "PGY", "int"),
            Column("firm", "Firm"),
            Column("audience", "In audience"),
            Column("status", "Status"),
            Column("mark", "Mark"),
            Column("excuse", "Excused by"),
        ],
        empty="Nobody is in this session's audience.",
    )
    for entry in sorted(statuses, key=lambda s: users[s.resident_id].name.lower()):
        user = users[entry.resident_id]
        table.rows.append(
            [
                user.name,
                user.email,
                user.pgy(day),
                user.firm.name if user.firm else "",
                "yes" if entry.in_audience else "visitor",
                rules.status_label(entry.status, entry.reason),
                entry.mark or "",
                str(entry.excuse) if entry.excuse else "",
            ]
        )
    return table
