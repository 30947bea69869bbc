"""Roster import: a CSV of people, checked whole before anything is written.

Columns (any order, header names case-insensitive): ``email``, ``name``, ``roles``
(several separated by ``;`` or ``|``), ``start_year``, ``track``, ``firm``. Rows are
matched to existing accounts by e-mail; the file is authoritative for the fields it
carries. Any problem rejects the whole file with line-numbered messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from conferences.csvfile import read_records
from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.people import services
from conferences.people.models import Firm, Role, Track, User
from conferences.text import one_line

COLUMNS = ("email", "name", "roles", "start_year", "track", "firm")
ALIASES = {"role": "roles", "e_mail": "email", "startyear": "start_year"}
MAX_ROWS = 5000
ROLE_SEPARATORS = re.compile(r"[;|]")


@dataclass
class RosterRow:
    line: int
    email: str
    name: str
    roles: set[Role]
    start_year: int | None
    track: Track | None
    firm: Firm | None
    user: User | None = None
    changes: list[str] = field(default_factory=list)
    action: str = "create"  # or "update", "unchanged"

    @property
    def role_names(self) -> str:
        return ", ".join(sorted(r.value for r in self.roles))

    def data(self) -> services.UserData:
        return services.UserData(
            email=self.email,
            name=self.name,
            roles=self.roles,
            start_year=self.start_year,
            track_id=self.track.id if self.track else None,
            firm_id=self.firm.id if self.firm else None,
        )


@dataclass
class RosterPlan:
    rows: list[RosterRow]

    def with_action(self, action: str) -> list[RosterRow]:
        return [row for row in self.rows if row.action == action]

    @property
    def created(self) -> list[RosterRow]:
        return self.with_action("create")

    @property
    def updated(self) -> list[RosterRow]:
        return self.with_action("update")

    @property
    def unchanged(self) -> list[RosterRow]:
        return self.with_action("unchanged")

    def summary(self) -> str:
        return (
            f"{len(self.created)} to create, {len(self.updated)} to update, "
            f"{len(self.unchanged)} unchanged"
        )


def decode(data: bytes) -> str:
    """The uploaded bytes as text (UTF-8, with or without a byte-order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportErrors([(1, "The file is not UTF-8 text; save it as “CSV UTF-8”.")]) from None


def _column_name(raw: str) -> str | None:
    name = re.sub(r"[\s\-]+", "_", raw.strip().lower())
    return ALIASES.get(name, name)


def _read(text: str) -> tuple[dict[str, int], int, list[tuple[int, list[str]]]]:
    """Column positions, header width and (line number, cells) for every non-blank record."""
    header, header_line, records = read_records(text)
    if header is None:
        raise ImportErrors([(1, "The file is empty; the first line must name the columns.")])
    positions: dict[str, int] = {}
    errors: list[tuple[int, str]] = []
    for index, raw in enumerate(header):
        name = _column_name(raw)
        if name in positions:
            errors.append((header_line, f"Column “{raw.strip()}” appears twice."))
        elif name:
            positions[name] = index
    missing = [c for c in COLUMNS if c not in positions]
    if missing:
        errors.append((header_line, "Missing column(s): " + ", ".join(missing) + "."))
    if not records and not errors:
        errors.append((header_line, "The file has a header but no people."))
    if len(records) > MAX_ROWS:
        errors.append((header_line, f"Too many rows ({len(records)}); the limit is {MAX_ROWS}."))
    if errors:
        raise ImportErrors(errors)
    return positions, len(header), records


def _by_name(model) -> dict[str, Firm | Track]:
    return {row.name.lower(): row for row in db.session.scalars(select(model))}


def plan_roster(text: str, actor=None) -> RosterPlan:
    """Check every row and work out what applying the file would do; writes nothing."""
    positions, width, records = _read(text)
    firms, tracks = _by_name(Firm), _by_name(Track)
    errors: list[tuple[int, str]] = []
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for line, cells in records:
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            errors.append((line, f"{len(cells)} fields, but the header has {width}."))
            continue
        cells = cells + [""] * (width - len(cells))
        value = {name: one_line(cells[index]) for name, index in positions.items()}
        row_errors: list[str] = []

        def attempt(check, *args, _errors=row_errors):
            try:
                return check(*args)
            except DomainError as error:
                _errors.append(error.message)
                return None

        email = attempt(services.clean_email, value["email"]) if value["email"] else None
        if not value["email"]:
            row_errors.append("The e-mail address is missing.")
        elif email is not None and email in seen:
            row_errors.append(f"{email} is also on line {seen[email]}.")
        elif email is not None:
            seen[email] = line
        if not value["name"]:
            row_errors.append("The name is missing.")
        else:
            attempt(services.clean_name, value["name"])
        roles = attempt(services.parse_roles, ROLE_SEPARATORS.split(value["roles"]))
        if roles is not None and not roles:
            row_errors.append("No role given (admin, coordinator, faculty or resident).")
        start_year = None
        year_is_number = True
        if value["start_year"]:
            try:
                start_year = int(value["start_year"])
            except ValueError:
                year_is_number = False
                row_errors.append(f"The start year “{value['start_year']}” is not a number.")
        if roles and year_is_number:
            attempt(services.check_start_year, start_year, roles)
        track = _lookup(tracks, value["track"], "track", row_errors)
        firm = _lookup(firms, value["firm"], "firm", row_errors)
        if row_errors:
            errors.extend((line, message) for message in row_errors)
            continue
        rows.append(RosterRow(line, email, value["name"], roles, start_year, track, firm))
    _match_accounts(rows, actor, errors)
    if errors:
        raise ImportErrors(sorted(errors, key=lambda e: e[0]))
    return RosterPlan(rows)


def _lookup(known: dict, name: str, kind: str, errors: list[str]):
    if not name:
        return None
    found = known.get(" ".join(name.split()).lower())
    if found is None:
        choices = ", ".join(sorted(g.name for g in known.values() if g.active)) or "none yet"
        errors.append(f"Unknown {kind} “{name}” (known: {choices}).")
    elif not found.active:
        errors.append(f"The {kind} “{found.name}” is retired; reactivate it or pick another.")
    return found


def _match_accounts(rows: list[RosterRow], actor, errors: list[tuple[int, str]]) -> None:
    """Attach existing accounts and describe what would change on each."""
    emails = [row.email for row in rows]
    existing: dict[str, User] = {}
    for start in range(0, len(emails), 500):
        chunk = emails[start : start + 500]
        existing.update(
            {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(chunk)))}
        )
    for row in rows:
        user = existing.get(row.email)
        if user is None:
            continue
        row.user = user
        if actor is not None and user.id == actor.id and Role.ADMIN not in row.roles:
            errors.append((row.line, "This row would remove your own admin role."))
        row.changes = _changes(user, row)
        row.action = "update" if row.changes else "unchanged"


def _changes(user: User, row: RosterRow) -> list[str]:
    def show(value) -> str:
        return "—" if value in (None, "") else str(value)

    pairs = [
        ("name", user.name, row.name),
        ("roles", ", ".join(sorted(r.value for r in user.roles)), row.role_names),
        ("start year", user.start_year, row.start_year),
        ("track", user.track.name if user.track else None, row.track.name if row.track else None),
        ("firm", user.firm.name if user.firm else None, row.firm.name if row.firm else None),
    ]
    return [f"{label}: {show(old)} → {show(new)}" for label, old, new in pairs if old != new]


def apply_roster(actor, text: str) -> RosterPlan:
    """Check the file again against the database as it is now, then write it."""
    plan = plan_roster(text, actor)
    for row in plan.rows:
        if row.action == "create":
            row.user = services.create_user(actor, row.data())
        elif row.action == "update":
            services.update_user(actor, row.user, row.data())
    return plan
