"""Command-line tools for teaching: reminders and the unfilled-slot nudge (run from cron)."""

import click
from flask import Flask
from flask.cli import with_appcontext

from conferences.extensions import db
from conferences.teaching import reminders


@click.command("send-reminders")
@with_appcontext
def send_reminders_command() -> None:
    """E-mail slot holders whose session is within the reminder window (safe to rerun)."""
    sent = reminders.send_reminders()
    db.session.commit()
    click.echo(f"{sent} reminder(s) sent.")


@click.command("nudge-unfilled")
@click.option("--weeks", default=3, show_default=True, help="How far ahead to look.")
@with_appcontext
def nudge_unfilled_command(weeks: int) -> None:
    """E-mail faculty a digest of open slots, coordinators the empty ones inside the cut-off.

    Sends at most one digest per person per ISO week.
    """
    sent = reminders.nudge_unfilled(weeks)
    db.session.commit()
    click.echo(f"{sent} digest(s) sent.")


def register(app: Flask) -> None:
    """Add the teaching commands (top-level, e.g. ``flask send-reminders``)."""
    app.cli.add_command(send_reminders_command)
    app.cli.add_command(nudge_unfilled_command)
