"""Command-line tools for reports (run from cron)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from conferences.extensions import db
from conferences.reports.digest import send_attendance_digest

cli = AppGroup("reports", help="Attendance report commands.")


@cli.command("at-risk-digest")
def at_risk_digest() -> None:
    """E-mail coordinators who is below, or trending below, the attendance threshold.

    Safe to run more often than weekly: each coordinator gets one digest per ISO week.
    """
    result = send_attendance_digest()
    db.session.commit()
    note = "" if result.sent else " (already sent this week, or no coordinators)"
    click.echo(
        f"{len(result.below)} below, {len(result.trending)} trending below; "
        f"{result.sent} digest(s) sent{note}"
    )
