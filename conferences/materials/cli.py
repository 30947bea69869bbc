"""``flask remind-materials``: the daily reminder to presenters to upload materials."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from conferences.extensions import db
from conferences.materials.reminders import send_upload_reminders


@click.command("remind-materials")
@with_appcontext
def remind_materials_command() -> None:
    """E-mail presenters of sessions in the next days that have no materials (safe to rerun)."""
    sent = send_upload_reminders()
    db.session.commit()
    click.echo(f"{sent} reminder(s) sent.")
