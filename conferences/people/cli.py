"""Command-line tools for the people domain: ``flask --app wsgi people ...``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.people import roster, services
from conferences.people.models import Role

cli = AppGroup("people", help="Accounts and the roster.")


@cli.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would change.")
def import_roster(file: Path, dry_run: bool) -> None:
    """Create and update accounts from a roster CSV (email,name,roles,start_year,track,firm)."""
    try:
        text = roster.decode(file.read_bytes())
        plan = roster.plan_roster(text) if dry_run else roster.apply_roster(None, text)
    except ImportErrors as error:
        db.session.rollback()
        for line, message in error.errors:
            click.echo(f"{file.name}:{line}: {message}", err=True)
        raise click.ClickException(error.message) from None
    for row in plan.created:
        click.echo(f"create  line {row.line}: {row.email} ({row.role_names})")
    for row in plan.updated:
        click.echo(f"update  line {row.line}: {row.email}: {'; '.join(row.changes)}")
    if dry_run:
        click.echo(f"Dry run: {plan.summary()}. Nothing was written.")
        return
    db.session.commit()
    click.echo(
        f"Imported: {len(plan.created)} created, {len(plan.updated)} updated, "
        f"{len(plan.unchanged)} unchanged."
    )


@cli.command("create-admin")
@click.argument("email")
@click.option("--name", prompt=True, help="The person's name.")
@click.password_option(help="The password (prompted for when omitted).")
def create_admin(email: str, name: str, password: str) -> None:
    """Add an admin account (for a fresh installation)."""
    try:
        user = services.create_user(
            None, services.UserData(email=email, name=name, roles={Role.ADMIN}), password
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Admin account {user.email} created.")
