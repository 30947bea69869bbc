"""Schedule CSV import: parse with line-numbered errors, preview, apply all-or-nothing, undo.

Columns (header row required, order free, names case-insensitive):
date, start, end, title, kind, series, location, audience, required.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlalchemy import func, select

from conferences import timeutil
from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.people.models import Firm, Track
from conferences.rotations.models import RotationType, Setting
from conferences.schedule import deletion, session_changes
from conferences.schedule.audience import Audience, describe_audience
from conferences.schedule.models import KIND_LABELS, Kind, ScheduleImport, Series, Session
from conferences.text import one_line
from conferences.timeutil import in_range

COLUMNS = ("date", "start", "end", "title", "kind", "series", "location", "audience", "required")
REQUIRED_COLUMNS = ("date", "start", "end")
MAX_ROWS = 5000
MAX_BYTES = 2_000_000
TRUE_WORDS = {"yes", "y", "true", "1", "required", "x"}
FALSE_WORDS = {"no", "n", "false", "0", "optional", ""}

AUDIENCE_HELP = (
    ("all", "every resident (also an empty cell)"),
    ("PGY-1", "one PGY level; PGY-2;PGY-3 for two"),
    ("firm:Osler", "a firm, by name"),
    ("track:Primary Care", "a track, by name"),
    ("setting:ambulatory", "residents on a rotation in that setting (ambulatory, inpatient, icu…)"),
    ("rotation:Cardiology", "residents on that rotation, by name"),
)


@dataclass
class ImportRow:
    line: int
    day: date
    start_time: time
    end_time: time
    title: str
    kind: str
    series: Series | None
    room: str
    video_url: str
    audience: dict
    required: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[Kind(self.kind)]

    @property
    def audience_words(self) -> str:
        return describe_audience(self.audience)


@dataclass
class Parsed:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)


def _parse_date(text: str) -> date:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a local date
        except ValueError:
            continue
    raise ValueError(f"date “{text}” is not YYYY-MM-DD or MM/DD/YYYY")


def _parse_time(text: str, column: str) -> time:
    for fmt in ("%H:%M", "%I:%M %p", "%I:%M%p", "%I %p", "%H:%M:%S"):
        try:
            return datetime.strptime(text.upper(), fmt).time()  # noqa: DTZ007 - a wall time
        except ValueError:
            continue
    raise ValueError(f"{column} time “{text}” is not HH:MM (24-hour) or like 12:30 PM")


class _Lookups:
    """Names to ids for audience words, series and kinds, loaded once per file."""

    def __init__(self) -> None:
        def by_name(model) -> dict[str, int]:
            rows = db.session.execute(select(model.id, model.name))
            return {name.lower(): id_ for id_, name in rows}

        self.firms = by_name(Firm)
        self.tracks = by_name(Track)
        self.rotations = by_name(RotationType)
        self.settings = {s.value: s.value for s in Setting}
        self.series = {}
        for series in db.session.scalars(select(Series)):
            self.series[series.slug.lower()] = series
            self.series.setdefault(series.title.lower(), series)
        self.kinds = {k.value: k.value for k in Kind}
        self.kinds.update({label.lower(): k.value for k, label in KIND_LABELS.items()})

    def audience(self, text: str) -> dict:
        pgy: set[int] = set()
        firms: set[int] = set()
        tracks: set[int] = set()
        settings: set[str] = set()
        rotations: set[int] = set()
        for raw in text.replace(",", ";").split(";"):
            token = raw.strip()
            low = token.lower()
            if low in ("", "all", "all residents", "everyone"):
                continue
            digits = low[3:].lstrip("-").strip()
            if low.startswith("pgy") and digits.isascii() and digits.isdigit():
                level = int(digits)
                if not 1 <= level <= 7:
                    raise ValueError(f"unknown PGY level “{token}”")
                pgy.add(level)
                continue
            prefix, _, value = low.partition(":")
            value = value.strip()
            if prefix == "firm" and value in self.firms:
                firms.add(self.firms[value])
            elif prefix == "track" and value in self.tracks:
                tracks.add(self.tracks[value])
            elif prefix == "setting" and value.replace(" ", "_") in self.settings:
                settings.add(value.replace(" ", "_"))
            elif prefix == "rotation" and value in self.rotations:
                rotations.add(self.rotations[value])
            else:
                raise ValueError(f"unknown audience “{token}”")
        return Audience(
            pgy_levels=frozenset(pgy),
            firm_ids=frozenset(firms),
            track_ids=frozenset(tracks),
            rotation_settings=frozenset(settings),
            rotation_type_ids=frozenset(rotations),
        ).to_json()


def parse(text: str) -> Parsed:
    """Read a schedule CSV; every problem is reported with its line number."""
    result = Parsed()
    if len(text.encode()) > MAX_BYTES:
        result.errors.append((0, "The file is larger than 2 MB; split it."))
        return result
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        result.errors.append((line, "The file contains a NUL character; save it as UTF-8 CSV."))
        return result
    # newline="": the csv module then reads \n, \r\n and old Mac \r line endings alike.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        fieldnames = reader.fieldnames
    except csv.Error as error:
        result.errors.append((1, f"The CSV cannot be read: {error}."))
        return result
    if not fieldnames:
        result.errors.append((1, "The file is empty; the first line must name the columns."))
        return result
    header = {name.strip().lower(): name for name in fieldnames if name}
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing:
        result.errors.append((1, f"Missing column(s): {', '.join(missing)}."))
    if unknown:
        result.errors.append((1, f"Unknown column(s): {', '.join(unknown)}."))
    if result.errors:
        return result
    lookups = _Lookups()
    seen: dict[tuple[int, date], int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if len(result.rows) + len(result.errors) >= MAX_ROWS:
                result.errors.append((line, f"More than {MAX_ROWS} rows; split the file."))
                break
            values = {c: one_line(record.get(header[c])) if c in header else "" for c in COLUMNS}
            if not any(values.values()):
                continue
            try:
                result.rows.append(_row(line, values, lookups, seen))
            except ValueError as error:
                result.errors.append((line, str(error)[:1].upper() + str(error)[1:] + "."))
    except csv.Error as error:
        result.errors.append((reader.line_num + 1, f"The CSV cannot be read: {error}."))
    if not result.rows and not result.errors:
        result.errors.append((1, "The file has no sessions."))
    _check_existing(result, seen)
    return result


def _row(line: int, values: dict, lookups: _Lookups, seen: dict) -> ImportRow:
    problems: list[str] = []

    def attempt(func, *args):
        try:
            return func(*args)
        except ValueError as error:
            problems.append(str(error))
            return None

    day = attempt(_parse_date, values["date"]) if values["date"] else None
    if day is not None and not in_range(day):
        problems.append(f"date {day} is not between 1900 and 2199")
        day = None
    if not values["date"]:
        problems.append("date is empty")
    start = attempt(_parse_time, values["start"], "start") if values["start"] else None
    end = attempt(_parse_time, values["end"], "end") if values["end"] else None
    if not values["start"] or not values["end"]:
        problems.append("start and end times are required")
    elif start and end and end <= start:
        problems.append("end is not after start")
    series = None
    if values["series"]:
        series = lookups.series.get(values["series"].lower())
        if series is None:
            problems.append(f"unknown series “{values['series']}”")
    title = values["title"] or (series.title if series else "")
    if not title:
        problems.append("title is empty")
    kind = series.kind if series else Kind.LECTURE.value
    if values["kind"]:
        word = values["kind"].lower()
        kind = lookups.kinds.get(word) or lookups.kinds.get(word.replace("-", "_"))
        if kind is None:
            problems.append(f"unknown kind “{values['kind']}”")
    if values["audience"]:
        audience = attempt(lookups.audience, values["audience"])
    else:
        audience = Audience.from_json(series.audience).to_json() if series else {}
    required_text = values["required"].lower()
    if required_text in TRUE_WORDS:
        required = True
    elif required_text == "" and series is not None:
        required = series.required
    elif required_text in FALSE_WORDS:
        required = False
    else:
        problems.append(f"required “{values['required']}” is not yes or no")
        required = False
    location = values["location"]
    is_url = location.lower().startswith(("http://", "https://"))
    if series is not None and day is not None:
        key = (series.id, day)
        if key in seen:
            problems.append(f"{series.title} already has a session on {day} (line {seen[key]})")
        else:
            seen[key] = line
    if problems:
        raise ValueError("; ".join(problems))
    return ImportRow(
        line=line,
        day=day,
        start_time=start,
        end_time=end,
        title=title[:200],
        kind=kind,
        series=series,
        room="" if is_url else location[:200],
        video_url=location[:500] if is_url else "",
        audience=audience,
        required=required,
    )


def _check_existing(result: Parsed, seen: dict[tuple[int, date], int]) -> None:
    """A series session in the file must not collide with one already in the schedule."""
    if not seen:
        return
    series_ids = {series_id for series_id, _ in seen}
    rows = db.session.execute(
        select(Session.series_id, Session.occurrence_on).where(Session.series_id.in_(series_ids))
    )
    for series_id, day in rows:
        if (series_id, day) in seen:
            result.errors.append(
                (seen[(series_id, day)], f"That series already has a session on {day}.")
            )
    result.errors.sort()


def apply(text: str, filename: str, actor) -> tuple[ScheduleImport, list[Session]]:
    """Create every session in the file, or none (raises ImportErrors)."""
    parsed = parse(text)
    if parsed.errors:
        raise ImportErrors(parsed.errors)
    record = ScheduleImport(
        filename=(filename or "")[:255],
        created_by_id=getattr(actor, "id", None),
        session_count=len(parsed.rows),
    )
    db.session.add(record)
    db.session.flush()
    created = []
    for row in parsed.rows:
        created.append(
            session_changes.create_session(
                {
                    "title": row.title,
                    "kind": row.kind,
                    "day": row.day,
                    "start_time": row.start_time,
                    "end_time": row.end_time,
                    "room": row.room,
                    "video_url": row.video_url,
                    "audience": row.audience,
                    "required": row.required,
                    "topics": row.series.topics if row.series else [],
                    "import_id": record.id,
                },
                actor,
                series=row.series,
            )
        )
    return record, created


def last_import() -> ScheduleImport | None:
    return db.session.scalar(
        select(ScheduleImport)
        .where(ScheduleImport.undone_at.is_(None))
        .order_by(ScheduleImport.created_at.desc(), ScheduleImport.id.desc())
        .limit(1)
    )


def undo_blockers(record: ScheduleImport) -> list[str]:
    """Why the import cannot be undone (empty when it can)."""
    ids = list(db.session.scalars(select(Session.id).where(Session.import_id == record.id)))
    found = deletion.dependencies(ids)
    return [f"{len(found)} of its sessions have attendance or teaching records"] if found else []


def undo(record: ScheduleImport, actor) -> int:
    """Delete the sessions of the last import, if nothing depends on them; return how many."""
    latest = last_import()
    if latest is None or latest.id != record.id:
        raise DomainError("Only the most recent import can be undone.")
    blockers = undo_blockers(record)
    if blockers:
        raise DomainError(f"This import cannot be undone: {blockers[0]}.")
    sessions = list(db.session.scalars(select(Session).where(Session.import_id == record.id)))
    for session in sessions:
        deletion.delete_session(session, actor)
    record.undone_at = timeutil.now_utc()
    db.session.flush()
    return len(sessions)


def import_count() -> int:
    return db.session.scalar(select(func.count()).select_from(ScheduleImport)) or 0
