"""Command-line tools for the schedule domain: the same services the pages use."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.schedule import conflicts, importer, queries, series_changes
from conferences.schedule.holidays import prefill_federal_holidays

cli = AppGroup("schedule", help="Schedule commands.")


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and show what would be created.")
def import_command(file: Path, dry_run: bool) -> None:
    """Import a schedule CSV (all rows or none)."""
    text = file.read_text(encoding="utf-8-sig")
    if dry_run:
        parsed = importer.parse(text)
        for line, message in parsed.errors:
            click.echo(f"line {line}: {message}", err=True)
        if parsed.errors:
            raise click.ClickException(f"{len(parsed.errors)} problem(s); nothing imported.")
        click.echo(f"{len(parsed.rows)} session(s) would be created.")
        return
    try:
        record, created = importer.apply(text, file.name, actor=None)
    except ImportErrors as error:
        db.session.rollback()
        for line, message in error.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Imported {len(created)} session(s) (import #{record.id}).")


@cli.command("generate")
@click.argument("slug")
def generate_command(slug: str) -> None:
    """Generate the missing sessions of the series SLUG, skipping holidays."""
    series = queries.series_by_slug(slug)
    if series is None:
        raise click.ClickException(f"No series with the short name {slug!r}.")
    try:
        result = series_changes.generate_sessions(series, actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(result.summary())
    for warning in conflicts.conflict_warnings(result.created):
        click.echo(f"warning: {warning}", err=True)


@cli.command("holidays")
@click.argument("year", type=click.IntRange(2000, 2100))
def holidays_command(year: int) -> None:
    """Add the US federal holidays of the academic year starting in YEAR."""
    added = prefill_federal_holidays(year)
    db.session.commit()
    click.echo(f"Added {added} federal holiday(s) for {year}–{(year + 1) % 100:02d}.")


@cli.command("cancel-days")
@click.argument("first", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("last", type=click.DateTime(formats=["%Y-%m-%d"]), required=False)
@click.option("--reason", required=True, help="Why (shown to everyone).")
@click.option("--dry-run", is_flag=True, help="List the sessions that would be cancelled.")
def cancel_days_command(first, last, reason: str, dry_run: bool) -> None:
    """Cancel every scheduled session from FIRST to LAST (YYYY-MM-DD; LAST defaults to FIRST)."""
    from conferences import timeutil
    from conferences.schedule import bulk

    first_on, last_on = first.date(), (last or first).date()
    try:
        sessions = bulk.plan_cancel_days(first_on, last_on)
        for session in sessions:
            click.echo(f"{timeutil.format_local(session.starts_at)}  {session.title}")
        if dry_run:
            click.echo(f"{len(sessions)} session(s) would be cancelled.")
            return
        cancelled = bulk.cancel_days(first_on, last_on, reason, actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Cancelled {len(cancelled)} session(s).")
