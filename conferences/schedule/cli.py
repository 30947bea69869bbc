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
    from conferences.schedule.holidays import years_without_holidays

    try:
        for year in years_without_holidays(series_changes.plan_generation(series).new):
            click.echo(
                f"warning: {year}–{(year + 1) % 100:02d} has no holidays yet, so sessions "
                f"may fall on them; add them with `flask schedule holidays {year}`.",
                err=True,
            )
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


@cli.command("roll-forward")
@click.option("--to", "to_year", required=True, help="The new academic year, e.g. 2027-2028.")
@click.option("--dry-run", is_flag=True, help="Show the preview; change nothing.")
@click.option(
    "--series", "slugs", multiple=True, help="Carry only this series (repeatable). Default: all."
)
@click.option("--threshold", type=click.IntRange(0, 100), help="Next year's threshold (%).")
@click.option(
    "--without-blackouts", is_flag=True, help="Do not add this year's blackouts next year."
)
@click.option("--undo", is_flag=True, help="Undo the last roll-forward into that year.")
def roll_forward_command(
    to_year: str,
    dry_run: bool,
    slugs: tuple[str, ...],
    threshold: int | None,
    without_blackouts: bool,
    undo: bool,
) -> None:
    """Carry the series into the next academic year: new dates from each rule, next
    year's holidays first, this year's blackouts at the same dates, the threshold kept."""
    from conferences import timeutil
    from conferences.schedule import rollforward

    try:
        year = rollforward.parse_year(to_year)
        if undo:
            rollover = rollforward.last_rollover()
            if rollover is None or rollover.to_year != year:
                raise click.ClickException(
                    f"No roll-forward into {timeutil.academic_year_label(year)} to undo."
                )
            removed = rollforward.undo(rollover, actor=None)
            db.session.commit()
            click.echo(f"Undone: removed {removed} session(s).")
            return
        options = {
            "slugs": list(slugs) or None,
            "blackouts": [] if without_blackouts else None,
            "threshold": threshold,
        }
        if dry_run:
            plan = rollforward.preview(year, **options)
            _echo_plan(plan)
            click.echo(
                f"Would create {plan.new_count} session(s) and skip {plan.skipped_count} "
                f"on holidays; {plan.existing_count} already exist. Nothing written."
            )
            return
        result = rollforward.apply(year, None, **options)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    _echo_plan(result.plan)
    click.echo(result.summary())


def _echo_plan(plan) -> None:
    from conferences import timeutil

    click.echo(
        f"Roll forward into {plan.label} (from {timeutil.academic_year_label(plan.from_year)})"
    )
    for day, name in plan.federal:
        click.echo(f"  holiday to add: {day.isoformat()} {name}")
    for blackout in plan.blackouts:
        click.echo(
            f"  blackout to add: {blackout.starts_on.isoformat()} to "
            f"{blackout.ends_on.isoformat()} {blackout.name}"
        )
    threshold_note = "" if plan.threshold_before == plan.threshold else " (new)"
    click.echo(f"  threshold: {plan.threshold} %{threshold_note}")
    for item in plan.series:
        if item.problem:
            click.echo(f"  {item.series.slug}: not carried: {item.problem}")
            continue
        click.echo(
            f"  {item.series.slug}: {len(item.new)} new, {len(item.skipped)} skipped on "
            f"holidays, {item.existing} already there"
        )
        for day, name in item.skipped:
            click.echo(f"    skip {day.isoformat()}: {name}")
        for conflict in item.conflicts:
            click.echo(f"    conflict: {conflict}", err=True)
