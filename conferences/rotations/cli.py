"""Command-line tools for the rotations domain."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from conferences.errors import ImportErrors
from conferences.extensions import db
from conferences.rotations import services

cli = AppGroup("rotations", help="Rotations commands.")


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be imported.")
def import_blocks(path: Path, dry_run: bool) -> None:
    """Import a block schedule CSV (email,rotation,start,end): all rows or none."""
    text = path.read_text(encoding="utf-8-sig")
    preview = services.parse_import(text)
    for line, message in preview.errors:
        click.echo(f"line {line}: {message}", err=True)
    if preview.errors:
        raise click.ClickException(f"{len(preview.errors)} problem(s) found; nothing was imported.")
    if dry_run:
        for row in preview.rows:
            click.echo(f"{row.resident.email}\t{row.rotation.name}\t{row.start_on}\t{row.end_on}")
        click.echo(f"{len(preview.rows)} block(s) would be imported (dry run: nothing changed).")
        return
    try:
        blocks = services.apply_import(text, filename=path.name)
    except ImportErrors as error:
        db.session.rollback()
        for line, message in error.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Imported {len(blocks)} block(s).")


@cli.command("defaults")
def create_defaults() -> None:
    """Create the usual rotation types (wards, ICUs, night float, ED, clinic, ...) if missing."""
    before = len(services.rotation_types())
    types = services.ensure_default_types()
    db.session.commit()
    click.echo(f"{len(types) - before} rotation type(s) created; {len(types)} in all.")
