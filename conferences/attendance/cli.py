"""Command-line tools for attendance: the current code, a roster summary, manual marks."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import checkin as codes
from conferences.attendance import marks, rosters
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.models import User, normalise_email

cli = AppGroup("attendance", help="Attendance commands.")


def _session(public_id: str):
    session = marks.get_session(public_id)
    if session is None:
        raise click.ClickException(f"No session with id {public_id}.")
    return session


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise click.ClickException(f"No account for {email}.")
    return user


@cli.command("code")
@click.argument("public_id")
def show_code(public_id: str) -> None:
    """Print a session's current check-in code and its window."""
    session = _session(public_id)
    now = timeutil.now_utc()
    window = marks.window(session)
    click.echo(f"{session.title}  {timeutil.format_local(session.starts_at)}")
    click.echo(
        f"code {codes.current_code(session.checkin_secret, now)} "
        f"(changes in {codes.seconds_to_next_code(now)} s)"
    )
    click.echo(
        f"window {timeutil.format_local(window.opens_at, '%H:%M')}"
        f"–{timeutil.format_local(window.closes_at, '%H:%M')}, "
        f"late after {timeutil.format_local(window.late_after, '%H:%M')}"
    )


@cli.command("roster")
@click.argument("public_id")
def show_roster(public_id: str) -> None:
    """Print a session's roster counts and each resident's status."""
    roster = rosters.roster(_session(public_id))
    counts = ", ".join(f"{s} {roster.counts[s]}" for s in rosters.STATUSES)
    click.echo(f"expected {roster.expected_count}: {counts}")
    for row in roster.rows:
        flag = "  FLAGGED" if row.flagged else ""
        click.echo(f"{row.status:<8} {row.resident.name} <{row.resident.email}>{flag}")


@cli.command("mark")
@click.argument("public_id")
@click.argument("mark", type=click.Choice(list(marks.MARK_LABELS)))
@click.argument("emails", nargs=-1, required=True)
@click.option("--actor", "actor_email", required=True, help="E-mail of the coordinator marking.")
@click.option("--reason", default="", help="Why (kept in the audit trail).")
def mark_residents(
    public_id: str, mark: str, emails: tuple[str, ...], actor_email: str, reason: str
) -> None:
    """Mark residents present/late/absent/excused at a session, audited like the roster."""
    session = _session(public_id)
    actor = _user(actor_email)
    if not actor.is_coordinator:
        raise click.ClickException("Only coordinators mark attendance.")
    ids = [_user(email).id for email in emails]
    try:
        changed = marks.set_marks(session, ids, mark, actor=actor, reason=reason)
    except DomainError as error:
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"{changed} changed.")
