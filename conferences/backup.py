"""Export the whole program to a portable file, and restore it into an empty database.

The file is gzip-compressed JSON: the schema revision and every table's rows, with
dates, times and instants as ISO 8601 strings. It moves between SQLite and PostgreSQL.

A backup holds secrets (password hashes, feed salts, check-in secrets, sign-ins, the
e-mail outbox), so it is written readable by its owner only (mode 0600). A copy made
``without_secrets`` leaves them out: passwords blank (people sign in with single sign-on or
get a new password), new check-in secrets, and no feed subscriptions (everyone gets a new
private feed address), sign-ins or outbox.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import click
from alembic.migration import MigrationContext
from flask.cli import with_appcontext
from sqlalchemy import Date, DateTime, Integer, Time, func, select

from conferences.errors import DomainError
from conferences.extensions import db

FORMAT = "conferences-backup"
FORMAT_VERSION = 1

# Columns replaced, and tables left empty, in a copy made without secrets.
SECRET_COLUMNS: dict[tuple[str, str], Any] = {
    ("users", "password_hash"): lambda: "",
    ("sessions", "checkin_secret"): lambda: secrets.token_hex(20),
}
# Feed subscriptions hold the salt of each private feed address; without them everyone
# gets a new address on My calendar.
SECRET_TABLES = frozenset({"sign_ins", "outbox_messages", "feed_subscriptions"})


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _decoder(column):
    kind = column.type
    impl = getattr(kind, "impl", kind)
    if isinstance(impl, DateTime):
        return datetime.fromisoformat
    if isinstance(impl, Date):
        return date.fromisoformat
    if isinstance(impl, Time):
        return time.fromisoformat
    return None


def schema_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _without_secrets(table: str, row: dict) -> dict:
    for (table_name, column), replacement in SECRET_COLUMNS.items():
        if table_name == table and column in row:
            row[column] = replacement()
    return row


def export_program(*, without_secrets: bool = False) -> dict:
    """Every row of every table, as plain JSON-compatible data."""
    tables: dict[str, list[dict]] = {}
    for table in db.metadata.sorted_tables:
        if without_secrets and table.name in SECRET_TABLES:
            tables[table.name] = []
            continue
        order = list(table.primary_key.columns)
        rows = db.session.execute(select(table).order_by(*order)).mappings()
        tables[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
        if without_secrets:
            tables[table.name] = [_without_secrets(table.name, r) for r in tables[table.name]]
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "schema_revision": schema_revision(),
        "tables": tables,
    }


def write_backup(path: Path, *, without_secrets: bool = False) -> dict[str, int]:
    """Write the backup readable by its owner only (0600, also when replacing a file)."""
    data = export_program(without_secrets=without_secrets)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)
    with (
        os.fdopen(descriptor, "wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb") as compressed,
    ):
        compressed.write(json.dumps(data).encode("utf-8"))
    return {name: len(rows) for name, rows in data["tables"].items()}


def restore_program(data: dict) -> dict[str, int]:
    """Insert a backup into an empty database with the same schema (the caller commits)."""
    if data.get("format") != FORMAT:
        raise DomainError("This file is not a Conferences backup.")
    current = schema_revision()
    if data.get("schema_revision") != current:
        raise DomainError(
            f"The backup was made at schema {data.get('schema_revision')}, the database is at "
            f"{current}. Upgrade or downgrade the database to match first."
        )
    for table in db.metadata.sorted_tables:
        if db.session.scalar(select(func.count()).select_from(table)):
            raise DomainError(f"The database is not empty (table {table.name} has rows).")
    counts: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        rows = data["tables"].get(table.name, [])
        decoders = {c.name: _decoder(c) for c in table.columns}
        decoded = [
            {
                key: (decoders[key](value) if value is not None and decoders.get(key) else value)
                for key, value in row.items()
                if key in decoders
            }
            for row in rows
        ]
        if decoded:
            db.session.execute(table.insert(), decoded)
        counts[table.name] = len(decoded)
    _reset_sequences()
    return counts


def read_backup(path: Path) -> dict:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise DomainError(f"Cannot read {path}: {error}") from error


def _reset_sequences() -> None:
    """PostgreSQL keeps identity counters apart from the rows; move them past the restored ids."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in db.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer) or not pk[0].autoincrement:
            continue
        column = pk[0]
        highest = select(func.max(column)).scalar_subquery()
        db.session.execute(
            select(
                func.setval(
                    func.pg_get_serial_sequence(table.name, column.name),
                    func.coalesce(highest, 0) + 1,
                    False,
                )
            )
        )


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--without-secrets",
    is_flag=True,
    help="Leave out password hashes, feed salts, check-in secrets, sign-ins and the outbox "
    "(for copies that leave the machine).",
)
@with_appcontext
def backup_command(path: Path, without_secrets: bool) -> None:
    """Export the whole program (all tables) to PATH (gzip JSON, mode 0600)."""
    counts = write_backup(path, without_secrets=without_secrets)
    click.echo(f"Wrote {sum(counts.values())} rows from {len(counts)} tables to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def restore_command(path: Path) -> None:
    """Restore a backup into an empty, migrated database."""
    try:
        counts = restore_program(read_backup(path))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")
