"""How residents took part: in the room, by video, late, by watching the recording.

Over the held, counted sessions a resident was expected at (``evaluation.evaluate``),
each attended mark is counted by the way it was taken (``Mode``) and lateness apart, next
to what the rule counted as attended. Whether remote or a watched recording counts is
the program's choice per academic year (``attendance.hybrid``), so a remote check-in can
show here and not in "Attended".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from conferences.attendance.evaluation import Evaluation, evaluate
from conferences.attendance.models import Mark, Mode
from conferences.extensions import db
from conferences.people.models import User
from conferences.reports.filters import Filters
from conferences.reports.tables import Column, Table

MARKED = frozenset({Mark.PRESENT.value, Mark.LATE.value})


@dataclass
class Participation:
    resident_id: int
    expected: int = 0
    attended: int = 0
    in_room: int = 0
    remote: int = 0
    late: int = 0
    recording: int = 0
    excused: int = 0

    @property
    def missed(self) -> int:
        return self.expected - self.attended


def participation(evaluation: Evaluation) -> dict[int, Participation]:
    """resident id -> how they took part, over held counted sessions."""
    found: dict[int, Participation] = {rid: Participation(rid) for rid in evaluation.residents}
    counts: dict[int, Participation] = defaultdict(lambda: Participation(0))
    for session in evaluation.held_counted():
        marks = evaluation.marks.get(session.id, {})
        modes = evaluation.modes.get(session.id, {})
        attended = evaluation.attended(session.id)
        for rid in evaluation.expected.get(session.id, ()):
            line = found.get(rid) or counts[rid]
            line.expected += 1
            if rid in attended:
                line.attended += 1
            mark = marks.get(rid)
            if mark not in MARKED:
                continue
            mode = modes.get(rid, Mode.ROOM.value)
            if mode == Mode.REMOTE.value:
                line.remote += 1
            elif mode == Mode.RECORDING.value:
                line.recording += 1
            else:
                line.in_room += 1
            if mark == Mark.LATE.value:
                line.late += 1
        for rid in evaluation.excused.get(session.id, {}):
            if rid in found:
                found[rid].excused += 1
    return found


COLUMNS = [
    Column("resident", "Resident"),
    Column("expected", "Expected", "int"),
    Column("attended", "Attended (counted)", "int"),
    Column("rate", "Rate", "percent"),
    Column("in_room", "In room", "int"),
    Column("remote", "Remote", "int"),
    Column("late", "Late", "int"),
    Column("recording", "Watched recording", "int"),
    Column("excused", "Excused", "int"),
    Column("missed", "Missed", "int"),
]


def participation_table(filters: Filters, now: datetime | None = None) -> Table:
    """One line per resident (the report filters apply)."""
    evaluation = evaluate(
        filters.start_on,
        filters.end_on,
        firm_id=filters.firm_id,
        pgy=filters.pgy,
        series_id=filters.series_id,
        now=now,
    )
    lines = participation(evaluation)
    names = dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(list(lines)))).all()
    )
    table = Table("participation", "How residents took part", COLUMNS)
    for rid in sorted(lines, key=lambda r: (names.get(r, "").lower(), r)):
        line = lines[rid]
        rate = line.attended / line.expected if line.expected else None
        table.rows.append(
            [
                names.get(rid, ""),
                line.expected,
                line.attended,
                rate,
                line.in_room,
                line.remote,
                line.late,
                line.recording,
                line.excused,
                line.missed,
            ]
        )
    return table
