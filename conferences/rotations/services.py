"""Rotation types and the block schedule: the rules for changing them, and the import.

Every change to assignments changes who is in rotation audiences and who is excused, so it
bumps the change counter that calendar feeds key on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from sqlalchemy import func, select, update

from conferences import timeutil
from conferences.audit.models import AuditEvent
from conferences.audit.services import record
from conferences.csvfile import read_records
from conferences.errors import Conflict, DomainError, ImportErrors
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole, normalise_email
from conferences.program.services import bump_counter
from conferences.rotations.models import (
    SETTING_LABELS,
    RotationAssignment,
    RotationType,
    Setting,
)
from conferences.text import one_line

# Realistic defaults: the rotations that keep residents away from conference excuse them.
EXCUSING_BY_DEFAULT = {Setting.ICU, Setting.NIGHT_FLOAT, Setting.VACATION, Setting.AWAY}


def default_excuses(setting: str) -> bool:
    return Setting(setting) in EXCUSING_BY_DEFAULT


def setting_label(setting: str) -> str:
    try:
        return SETTING_LABELS[Setting(setting)]
    except ValueError:
        return setting


# --------------------------------------------------------------------------- rotation types


def rotation_types() -> list[RotationType]:
    return list(db.session.scalars(select(RotationType).order_by(RotationType.name)))


def _check_type_values(name: str, setting: str, existing: RotationType | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError("Give the rotation a name.", field="name")
    if len(name) > 100:
        raise DomainError("The name is too long (100 characters at most).", field="name")
    try:
        Setting(setting)
    except ValueError as error:
        raise DomainError("Choose a setting from the list.", field="setting") from error
    clash = db.session.scalar(
        select(RotationType).where(func.lower(RotationType.name) == name.lower())
    )
    if clash is not None and clash is not existing:
        raise Conflict(f"A rotation named “{clash.name}” already exists.", field="name")
    return name


def _type_state(rotation: RotationType) -> dict:
    return {"name": rotation.name, "setting": rotation.setting, "excuses": rotation.excuses}


def create_rotation_type(
    name: str, setting: str, excuses: bool | None = None, *, actor=None
) -> RotationType:
    """Add a rotation type; ``excuses`` defaults by setting (ICU, night float, vacation, away)."""
    name = _check_type_values(name, setting)
    rotation = RotationType(
        name=name,
        setting=Setting(setting).value,
        excuses=default_excuses(setting) if excuses is None else bool(excuses),
    )
    db.session.add(rotation)
    db.session.flush()
    record(actor, "rotation_type.create", rotation, after=_type_state(rotation))
    return rotation


def update_rotation_type(
    rotation: RotationType, name: str, setting: str, excuses: bool, *, actor=None
) -> RotationType:
    before = _type_state(rotation)
    rotation.name = _check_type_values(name, setting, existing=rotation)
    rotation.setting = Setting(setting).value
    rotation.excuses = bool(excuses)
    db.session.flush()
    after = _type_state(rotation)
    if after != before:
        record(actor, "rotation_type.update", rotation, before=before, after=after)
        if after["name"] != before["name"] or after["setting"] != before["setting"]:
            # The blocks' calendar titles change with the rotation's name and setting.
            db.session.execute(
                update(RotationAssignment)
                .where(RotationAssignment.rotation_type_id == rotation.id)
                .values(revision=RotationAssignment.revision + 1, updated_at=timeutil.now_utc())
            )
        # Setting and excusing change audiences and who is expected.
        bump_counter()
    return rotation


def delete_rotation_type(rotation: RotationType, *, actor=None) -> None:
    used = db.session.scalar(
        select(func.count())
        .select_from(RotationAssignment)
        .where(RotationAssignment.rotation_type_id == rotation.id)
    )
    if used:
        raise Conflict(
            f"“{rotation.name}” is used by {used} block(s); remove or change them first."
        )
    record(actor, "rotation_type.delete", rotation, before=_type_state(rotation))
    db.session.delete(rotation)
    db.session.flush()


DEFAULT_TYPES: list[tuple[str, Setting]] = [
    ("General medicine wards", Setting.INPATIENT),
    ("Cardiology wards", Setting.INPATIENT),
    ("Oncology wards", Setting.INPATIENT),
    ("MICU", Setting.ICU),
    ("CCU", Setting.ICU),
    ("Neuro ICU", Setting.ICU),
    ("Night float", Setting.NIGHT_FLOAT),
    ("Emergency Department", Setting.ED),
    ("Ambulatory block", Setting.AMBULATORY),
    ("Elective", Setting.ELECTIVE),
    ("Research", Setting.RESEARCH),
    ("Away rotation", Setting.AWAY),
    ("Vacation", Setting.VACATION),
]


def ensure_default_types(*, actor=None) -> dict[str, RotationType]:
    """Create the usual rotation types that do not exist yet; return all of them by name."""
    existing = {r.name.lower(): r for r in rotation_types()}
    for name, setting in DEFAULT_TYPES:
        if name.lower() not in existing:
            existing[name.lower()] = create_rotation_type(name, setting.value, actor=actor)
    return {r.name: r for r in existing.values()}


# --------------------------------------------------------------------------- assignments


def _assignment_state(block: RotationAssignment) -> dict:
    return {
        "resident_id": block.resident_id,
        "rotation_type_id": block.rotation_type_id,
        "start_on": block.start_on.isoformat(),
        "end_on": block.end_on.isoformat(),
    }


def _is_resident(user: User) -> bool:
    return user.is_resident


def overlapping_blocks(
    resident_id: int, start_on: date, end_on: date, *, ignore_id: int | None = None
) -> list[RotationAssignment]:
    query = (
        select(RotationAssignment)
        .where(RotationAssignment.resident_id == resident_id)
        .where(RotationAssignment.start_on <= end_on, RotationAssignment.end_on >= start_on)
        .order_by(RotationAssignment.start_on)
    )
    if ignore_id is not None:
        query = query.where(RotationAssignment.id != ignore_id)
    return list(db.session.scalars(query))


def _describe(block: RotationAssignment) -> str:
    return f"{block.rotation_type.name} {block.start_on.isoformat()} – {block.end_on.isoformat()}"


def _check_block(
    resident: User, start_on: date, end_on: date, ignore_id: int | None = None
) -> None:
    if not _is_resident(resident):
        raise DomainError(f"{resident.name} is not a resident.")
    if end_on < start_on:
        raise DomainError("The block ends before it starts.", field="end_on")
    clash = overlapping_blocks(resident.id, start_on, end_on, ignore_id=ignore_id)
    if clash:
        raise Conflict(
            f"{resident.name} already has a block then: {_describe(clash[0])}.",
            field="start_on",
        )


def add_assignment(
    resident: User, rotation: RotationType, start_on: date, end_on: date, *, actor=None
) -> RotationAssignment:
    """Put a resident on a rotation from ``start_on`` to ``end_on`` (inclusive)."""
    _check_block(resident, start_on, end_on)
    block = RotationAssignment(
        resident_id=resident.id, rotation_type_id=rotation.id, start_on=start_on, end_on=end_on
    )
    db.session.add(block)
    db.session.flush()
    record(actor, "rotation_assignment.create", block, after=_assignment_state(block))
    bump_counter()
    return block


def update_assignment(
    block: RotationAssignment,
    rotation: RotationType,
    start_on: date,
    end_on: date,
    *,
    actor=None,
) -> RotationAssignment:
    _check_block(block.resident, start_on, end_on, ignore_id=block.id)
    before = _assignment_state(block)
    block.rotation_type_id = rotation.id
    block.rotation_type = rotation
    block.start_on, block.end_on = start_on, end_on
    if _assignment_state(block) != before:
        block.revision = (block.revision or 0) + 1
        block.updated_at = timeutil.now_utc()
    db.session.flush()
    record(
        actor, "rotation_assignment.update", block, before=before, after=_assignment_state(block)
    )
    bump_counter()
    return block


def delete_assignment(block: RotationAssignment, *, actor=None) -> AuditEvent:
    """Remove a block; the returned audit event is what ``undo_delete`` brings back."""
    event = record(actor, "rotation_assignment.delete", block, before=_assignment_state(block))
    db.session.delete(block)
    db.session.flush()
    bump_counter()
    return event


def deleted_block(event_id: int | None) -> AuditEvent | None:
    """The removal of a block recorded as ``event_id``, or None (another kind of event)."""
    event = db.session.get(AuditEvent, event_id) if event_id else None
    if event is None or event.action != "rotation_assignment.delete" or not event.before:
        return None
    return event


def undo_delete(event: AuditEvent, *, actor=None) -> RotationAssignment:
    """Put a removed block back as it was (refused if its dates are taken since)."""
    state = event.before or {}
    resident = db.session.get(User, state.get("resident_id"))
    rotation = db.session.get(RotationType, state.get("rotation_type_id"))
    if resident is None or rotation is None:
        raise DomainError("That block cannot come back: its resident or rotation is gone.")
    block = add_assignment(
        resident,
        rotation,
        date.fromisoformat(state["start_on"]),
        date.fromisoformat(state["end_on"]),
        actor=actor,
    )
    record(actor, "rotation_assignment.restore", block, note=f"Undid removal #{event.id}.")
    return block


def split_block(
    block: RotationAssignment, start_on: date, end_on: date, *, actor=None, note: str = ""
) -> RotationAssignment | None:
    """Free ``start_on``..``end_on`` inside ``block`` for another rotation: the block keeps
    the days before, a new block of the same rotation takes the days after (returned)."""
    if not splits_block(block, start_on, end_on, rotation_id=-1):
        raise DomainError("Those dates do not lie inside the block.")
    before = _assignment_state(block)
    rest = None
    if start_on > block.start_on:
        if end_on < block.end_on:
            rest = RotationAssignment(
                resident_id=block.resident_id,
                rotation_type_id=block.rotation_type_id,
                start_on=end_on + timedelta(days=1),
                end_on=block.end_on,
            )
            db.session.add(rest)
        block.end_on = start_on - timedelta(days=1)
    else:  # the freed days start the block: it keeps only the days after
        block.start_on = end_on + timedelta(days=1)
    db.session.flush()
    record(
        actor,
        "rotation_assignment.split",
        block,
        before=before,
        after={"blocks": [_assignment_state(b) for b in (block, rest) if b is not None]},
        note=f"Split around {start_on.isoformat()} – {end_on.isoformat()} {note}".strip(),
    )
    bump_counter()
    return rest


def blocks_for(resident: User) -> list[RotationAssignment]:
    return list(
        db.session.scalars(
            select(RotationAssignment)
            .where(RotationAssignment.resident_id == resident.id)
            .order_by(RotationAssignment.start_on)
        )
    )


def current_block(resident: User, on: date) -> RotationAssignment | None:
    return db.session.scalar(
        select(RotationAssignment)
        .where(RotationAssignment.resident_id == resident.id)
        .where(RotationAssignment.start_on <= on, RotationAssignment.end_on >= on)
    )


def residents() -> list[User]:
    """Active residents, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.RESIDENT.value, User.active.is_(True))
            .order_by(User.name)
        )
    )


# --------------------------------------------------------------------------- where is everyone


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


@dataclass
class RotationWeek:
    rotation: RotationType
    entries: list[tuple[User, RotationAssignment]] = field(default_factory=list)


def where_is_everyone(day: date) -> tuple[list[RotationWeek], list[User]]:
    """Residents per rotation in the week of ``day``, and the residents with no block that week."""
    monday, sunday = week_of(day)
    rows = db.session.execute(
        select(RotationAssignment, User)
        .join(User, User.id == RotationAssignment.resident_id)
        .where(RotationAssignment.start_on <= sunday, RotationAssignment.end_on >= monday)
        .where(User.active.is_(True))
        .order_by(User.name, RotationAssignment.start_on)
    ).all()
    by_type: dict[int, RotationWeek] = {}
    placed: set[int] = set()
    for block, user in rows:
        week = by_type.setdefault(block.rotation_type_id, RotationWeek(block.rotation_type))
        week.entries.append((user, block))
        placed.add(user.id)
    unplaced = [u for u in residents() if u.id not in placed]
    ordered = sorted(by_type.values(), key=lambda w: (w.rotation.setting, w.rotation.name))
    return ordered, unplaced


# --------------------------------------------------------------------------- CSV import

COLUMN_ALIASES = {
    "email": "email",
    "resident": "email",
    "resident email": "email",
    "resident_email": "email",
    "rotation": "rotation",
    "rotation type": "rotation",
    "start": "start",
    "start date": "start",
    "start_on": "start",
    "end": "end",
    "end date": "end",
    "end_on": "end",
}
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y")
MAX_IMPORT_ROWS = 20000


@dataclass
class ImportRow:
    line: int
    resident: User
    rotation: RotationType
    start_on: date
    end_on: date


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    errors: list[tuple[int, str]]
    # Rows lying inside a stored block of another rotation (a vacation week inside a ward
    # month): importing splits that block around them instead of refusing the overlap.
    splits: list[tuple[ImportRow, RotationAssignment]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def _parse_date(value: str) -> date | None:
    value = value.strip()
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a plain date
        except ValueError:
            continue
    return None


def parse_import(text: str) -> ImportPreview:
    """Read a block-schedule CSV (resident email, rotation, start, end) without changing anything.

    Line numbers count the header as line 1. Problems found: missing columns, bad dates,
    end before start, unknown resident or rotation, blocks that overlap within the file or
    with blocks already stored.
    """
    errors: list[tuple[int, str]] = []
    try:
        header, _header_line, records = read_records(text)
    except ImportErrors as unreadable:
        return ImportPreview([], unreadable.errors)
    if not header:
        return ImportPreview(
            [], [(1, "The file is empty; expected a header: email,rotation,start,end.")]
        )
    columns = {COLUMN_ALIASES.get(cell.strip().lower()): i for i, cell in enumerate(header)}
    missing = [name for name in ("email", "rotation", "start", "end") if name not in columns]
    if missing:
        return ImportPreview(
            [],
            [(1, f"Missing column(s): {', '.join(missing)}. Expected email,rotation,start,end.")],
        )

    users = {
        u.email: u
        for u in db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.RESIDENT.value)
        )
    }
    all_emails = set(db.session.scalars(select(User.email)))
    types = {r.name.lower(): r for r in rotation_types()}

    rows: list[ImportRow] = []
    for line, cells in records:
        if len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            errors.append((line, f"Too many rows (at most {MAX_IMPORT_ROWS})."))
            break

        def cell(name: str, cells=cells) -> str:
            index = columns[name]
            return one_line(cells[index]) if index < len(cells) else ""

        problems = []
        email = normalise_email(cell("email"))
        resident = users.get(email)
        if not email:
            problems.append("no resident email")
        elif resident is None:
            if email in all_emails:
                problems.append(f"{email} is not a resident")
            else:
                problems.append(f"unknown resident {email}")
        rotation_name = " ".join(cell("rotation").split())
        rotation = types.get(rotation_name.lower())
        if rotation is None:
            problems.append(
                f"unknown rotation “{rotation_name}”" if rotation_name else "no rotation"
            )
        start_on, end_on = _parse_date(cell("start")), _parse_date(cell("end"))
        if start_on is None:
            problems.append(f"start “{cell('start')}” is not a date (use YYYY-MM-DD)")
        if end_on is None:
            problems.append(f"end “{cell('end')}” is not a date (use YYYY-MM-DD)")
        if start_on and end_on and end_on < start_on:
            problems.append("end is before start")
        if problems:
            errors.append((line, "; ".join(problems)))
            continue
        rows.append(ImportRow(line, resident, rotation, start_on, end_on))

    splits: list[tuple[ImportRow, RotationAssignment]] = []
    errors.extend(_overlap_errors(rows, splits))
    errors.sort(key=lambda e: e[0])
    if not rows and not errors:
        errors.append((2, "The file has a header but no blocks."))
    return ImportPreview(rows, errors, splits)


def splits_block(block: RotationAssignment, start_on: date, end_on: date, rotation_id: int) -> bool:
    """Does a block of another rotation from ``start_on`` to ``end_on`` lie inside ``block``,
    leaving part of it before or after (so the block can be split around it)?"""
    return (
        block.rotation_type_id != rotation_id
        and block.start_on <= start_on
        and end_on <= block.end_on
        and (block.start_on, block.end_on) != (start_on, end_on)
    )


def _overlap_errors(
    rows: list[ImportRow], splits: list[tuple[ImportRow, RotationAssignment]]
) -> list[tuple[int, str]]:
    errors: list[tuple[int, str]] = []
    by_resident: dict[int, list[ImportRow]] = defaultdict(list)
    for row in rows:
        by_resident[row.resident.id].append(row)
    if not by_resident:
        return errors
    stored: dict[int, list[RotationAssignment]] = defaultdict(list)
    first = min(r.start_on for r in rows)
    last = max(r.end_on for r in rows)
    for block in db.session.scalars(
        select(RotationAssignment)
        .where(RotationAssignment.resident_id.in_(list(by_resident)))
        .where(RotationAssignment.start_on <= last, RotationAssignment.end_on >= first)
    ):
        stored[block.resident_id].append(block)
    for resident_id, resident_rows in by_resident.items():
        resident_rows.sort(key=lambda r: (r.start_on, r.line))
        for earlier, later in pairwise(resident_rows):
            if later.start_on <= earlier.end_on:
                errors.append(
                    (
                        later.line,
                        f"{later.resident.email}: overlaps line {earlier.line} "
                        f"({earlier.rotation.name} {earlier.start_on} – {earlier.end_on})",
                    )
                )
        for row in resident_rows:
            for block in stored.get(resident_id, ()):
                if block.start_on <= row.end_on and block.end_on >= row.start_on:
                    if splits_block(block, row.start_on, row.end_on, row.rotation.id):
                        splits.append((row, block))
                        continue
                    errors.append(
                        (
                            row.line,
                            f"{row.resident.email}: overlaps an existing block "
                            f"({_describe(block)})",
                        )
                    )
    return errors


def apply_import(text: str, *, actor=None, filename: str = "") -> list[RotationAssignment]:
    """Import the whole file or nothing: raises ``ImportErrors`` listing every problem."""
    preview = parse_import(text)
    if preview.errors:
        raise ImportErrors(preview.errors)
    for row, _block in sorted(preview.splits, key=lambda split: split[0].start_on):
        # Found again: an earlier row of the file may have split the same block already.
        (containing,) = overlapping_blocks(row.resident.id, row.start_on, row.end_on)
        split_block(containing, row.start_on, row.end_on, actor=actor, note=f"line {row.line}")
    blocks = [
        RotationAssignment(
            resident_id=row.resident.id,
            rotation_type_id=row.rotation.id,
            start_on=row.start_on,
            end_on=row.end_on,
        )
        for row in preview.rows
    ]
    db.session.add_all(blocks)
    db.session.flush()
    if blocks:
        record(
            actor,
            "rotation_assignment.import",
            blocks[0],
            after={"blocks": len(blocks), "filename": filename},
            note=f"Imported {len(blocks)} block(s) from {filename or 'a CSV file'}",
        )
        bump_counter()
    return blocks
