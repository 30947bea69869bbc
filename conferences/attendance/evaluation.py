"""The attendance rules in bulk: ``evaluate`` applies ``rules.decide``'s definitions to every
session and resident of a date range in a fixed number of queries, for reports.

Sessions are grouped by (audience, academic year) for audiences that do not depend on
rotations, by (audience, date) for those that do. The results are kept as sets built with
the same predicates as ``decide``; ``Evaluation.status`` calls ``decide`` for one pair, and
tests (a property test among them) check that the two ways always agree.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from sqlalchemy import Text, and_, cast, exists, or_, select, true

from conferences import timeutil
from conferences.attendance import hybrid
from conferences.attendance.models import (
    Attendance,
    Excusal,
    ExcusalSession,
    Mark,
    Mode,
    RequestStatus,
)
from conferences.attendance.rules import (
    MARK_EXCUSE,
    Excuse,
    ExcuseKind,
    Status,
    attended_marks,
    backdated_clause,
    counts_as_attended,
    decide,
    excusal_label,
    is_counted_session,
    rotation_label,
    status_reason,
)
from conferences.extensions import db
from conferences.people.models import DEFAULT_RESIDENCY_YEARS, Track, User
from conferences.rotations.models import RotationAssignment, RotationType
from conferences.schedule.audience import (
    Audience,
    Block,
    ResidentFacts,
    is_active_resident,
)
from conferences.schedule.models import Session


@dataclass
class SessionFacts:
    id: int
    public_id: str
    title: str
    series_id: int | None
    starts_at: datetime
    on: date
    required: bool
    status: str
    audience: Audience
    held: bool
    backdated: bool = False
    # Someone has a mark at the session (a roster mark or a check-in).
    recorded: bool = False

    # Counts toward attendance: required, not cancelled, and not back-dated unrecorded
    # (worked out once, from the fields above).
    counted: bool = field(init=False)

    def __post_init__(self) -> None:
        self.counted = is_counted_session(self.required, self.status) and (
            self.recorded or not self.backdated
        )

    @property
    def month(self) -> str:
        return self.on.strftime("%Y-%m")


@dataclass
class Evaluation:
    """Who was expected, excused and attended at every session of a date range.

    ``expected`` covers future sessions too; ``held`` sessions are the ones rates count.
    """

    start_on: date
    end_on: date
    now: datetime
    marks_attended: frozenset[str]
    sessions: list[SessionFacts]
    residents: dict[int, ResidentFacts]
    members: dict[int, frozenset[int]] = field(default_factory=dict)
    # Residents excused and not attending, per counted session (``decide`` says excused).
    excused: dict[int, dict[int, Excuse]] = field(default_factory=dict)
    # Every excuse that applies to a member, attended or not (for ``status``).
    excuses: dict[int, dict[int, Excuse]] = field(default_factory=dict)
    expected: dict[int, frozenset[int]] = field(default_factory=dict)
    marks: dict[int, dict[int, str]] = field(default_factory=dict)
    # Residents with an attended mark, per session (visitors included).
    marked_attended: dict[int, set[int]] = field(default_factory=dict)
    # Residents were chosen by a filter (a firm, a class, a list): only they are reported on.
    filtered: bool = False
    # How residents took part when not in the room (``Mode``), per session.
    modes: dict[int, dict[int, str]] = field(default_factory=dict)
    # The ways of taking part that count as attended, per academic year (``hybrid``).
    year_modes: dict[int, frozenset[str]] = field(default_factory=dict)
    # ``without_marks``: the marks and modes were dropped, only the counts can be asked.
    marks_dropped: bool = False

    def without_marks(self) -> Evaluation:
        """A copy without each resident's mark and way of taking part, for keeping in a
        cache where only who was expected, excused and attended is asked (a year of an
        institution's marks is half the evaluation's memory). ``status`` refuses on it."""
        return replace(self, marks={}, modes={}, marks_dropped=True)

    def mark_count(self) -> int:
        return sum(len(marks) for marks in self.marks.values())

    def modes_attended(self, session: SessionFacts) -> frozenset[str]:
        year = timeutil.academic_year_of(session.on)
        found = self.year_modes.get(year)
        if found is None:
            found = self.year_modes[year] = hybrid.modes_by_year([year])[year]
        return found

    def attended(self, session_id: int) -> frozenset[int]:
        """Expected residents who attended (visitors and the excused never count)."""
        return self.expected.get(session_id, frozenset()) & self.marked_attended.get(
            session_id, set()
        )

    def visitors(self, session_id: int) -> set[int]:
        """Residents outside the session's audience with an attended mark (among the
        chosen residents when a filter chose some: a resident outside the filter is not
        a visitor, just not reported on)."""
        members = self.members.get(session_id, frozenset())
        found = self.marked_attended.get(session_id, set()) - members
        if self.filtered:
            found = {rid for rid in found if rid in self.residents}
        return found

    def held_counted(self) -> list[SessionFacts]:
        return [s for s in self.sessions if s.counted and s.held]

    def status(self, session: SessionFacts, resident_id: int) -> Status:
        """``decide`` for one pair, from the facts this evaluation loaded."""
        if self.marks_dropped:
            raise ValueError("This evaluation kept counts only: evaluate again for statuses.")
        member = resident_id in self.members.get(session.id, ())
        return decide(
            counted=is_counted_session(session.required, session.status),
            member=member,
            recorded=session.recorded,
            backdated=session.backdated,
            excuse=self.excuses.get(session.id, {}).get(resident_id),
            mark=self.marks.get(session.id, {}).get(resident_id),
            held=session.held,
            marks_attended=self.marks_attended,
            modes_attended=self.modes_attended(session),
            mode=self.modes.get(session.id, {}).get(resident_id),
        )

    def reason(self, session: SessionFacts, resident_id: int) -> str:
        """``rules.status_reason`` for one pair: how they took part, or why it did not count."""
        return status_reason(
            self.status(session, resident_id),
            self.marks.get(session.id, {}).get(resident_id),
            self.modes.get(session.id, {}).get(resident_id),
            self.marks_attended,
            self.modes_attended(session),
        )

    def totals_by_resident(self) -> dict[int, tuple[int, int, int]]:
        """resident id -> (expected, attended, excused) over held, counted sessions."""
        expected = _count_members(self.expected.get(s.id, _NOBODY) for s in self.held_counted())
        attended: dict[int, int] = defaultdict(int)
        excused: dict[int, int] = defaultdict(int)
        for session in self.held_counted():
            for resident_id in self.attended(session.id):
                attended[resident_id] += 1
            for resident_id in self.excused.get(session.id, {}):
                excused[resident_id] += 1
        return {r: (expected[r], attended[r], excused[r]) for r in self.residents}

    def upcoming_expected_by_resident(self) -> dict[int, int]:
        """resident id -> required sessions still ahead in the range that they are expected at."""
        return _count_members(
            self.expected.get(s.id, _NOBODY) for s in self.sessions if s.counted and not s.held
        )


def _count_members(sets: Iterable[frozenset[int]]) -> dict[int, int]:
    """How many of ``sets`` each resident is in. Sessions of one audience with no one excused
    share one set object: each distinct object is counted once, then its members added."""
    times: dict[int, int] = defaultdict(int)
    distinct: dict[int, frozenset[int]] = {}
    for members in sets:
        times[id(members)] += 1
        distinct[id(members)] = members
    counts: dict[int, int] = defaultdict(int)
    for key, members in distinct.items():
        n = times[key]
        for resident_id in members:
            counts[resident_id] += n
    return counts


def evaluate(
    start_on: date,
    end_on: date,
    *,
    resident_ids: set[int] | list[int] | None = None,
    firm_id: int | None = None,
    pgy: int | None = None,
    series_id: int | None = None,
    now: datetime | None = None,
    their_sessions_only: bool = False,
) -> Evaluation:
    """The attendance rules over local dates ``start_on``..``end_on`` in a fixed number of queries.

    Sessions are grouped by (audience, academic year) for audiences that do not depend on
    rotations (residents grouped by their facts), by (audience, date) for those that do.
    ``their_sessions_only`` leaves out the sessions none of the chosen residents can be in
    the audience of and has no mark at (their statuses would all be "visitor" with no
    mark): for one resident's pages, which show only their own sessions.
    """
    now = now or timeutil.now_utc()
    marks_attended = attended_marks()
    first, last = timeutil.range_bounds(start_on, end_on)

    resident_query = (
        select(
            User.id, User.start_year, User.firm_id, User.track_id, User.graduates_on, Track.years
        )
        .outerjoin(Track, Track.id == User.track_id)
        .where(is_active_resident())
    )
    if resident_ids is not None:
        resident_query = resident_query.where(User.id.in_(list(resident_ids)))
    if firm_id is not None:
        resident_query = resident_query.where(User.firm_id == firm_id)
    if pgy is not None:
        resident_query = resident_query.where(
            User.start_year == timeutil.academic_year_of(start_on) - pgy + 1
        )
    residents = {
        rid: ResidentFacts(
            rid, start_year, firm, track, graduates_on=ends, years=years or DEFAULT_RESIDENCY_YEARS
        )
        for rid, start_year, firm, track, ends, years in db.session.execute(resident_query)
    }
    # Only the columns the rules need: the audience as its stored text (parsed once per
    # distinct audience below, not once per session), and back-dating decided in SQL.
    session_query = (
        select(
            Session.id,
            Session.public_id,
            Session.title,
            Session.series_id,
            Session.starts_at,
            Session.required,
            Session.status,
            cast(Session.audience, Text),
            backdated_clause(),
            exists().where(Attendance.session_id == Session.id),
        )
        .where(Session.starts_at >= first, Session.starts_at < last)
        .order_by(Session.starts_at, Session.id)
    )
    if series_id is not None:
        session_query = session_query.where(Session.series_id == series_id)
    audiences: dict[str | None, Audience] = {}
    if their_sessions_only:
        # Only sessions a chosen resident may be in the audience of, or has a mark at:
        # for one resident, a few hundred sessions of a year rather than thousands.
        audience_column = cast(Session.audience, Text)
        texts = db.session.scalars(
            select(audience_column)
            .where(Session.starts_at >= first, Session.starts_at < last)
            .distinct()
        ).all()
        kept = []
        for text in texts:
            audience = audiences[text] = _parse_audience(text)
            if _may_include(audience, residents.values(), start_on, end_on):
                kept.append(text)
        session_query = session_query.where(
            or_(
                audience_column.in_(kept),
                Session.id.in_(
                    select(Attendance.session_id).where(Attendance.resident_id.in_(list(residents)))
                ),
            )
        )
    local_date = timeutil.local_dates()
    sessions = []
    for (
        sid,
        public_id,
        title,
        ser,
        starts_at,
        required,
        status,
        audience_text,
        backdated,
        recorded,
    ) in db.session.execute(session_query):
        audience = audiences.get(audience_text)
        if audience is None:
            audience = audiences[audience_text] = _parse_audience(audience_text)
        sessions.append(
            SessionFacts(
                sid,
                public_id,
                title,
                ser,
                starts_at,
                local_date(starts_at),
                required,
                status,
                audience,
                starts_at <= now,
                bool(backdated),
                bool(recorded),
            )
        )

    evaluation = Evaluation(start_on, end_on, now, marks_attended, sessions, residents)
    evaluation.filtered = not (resident_ids is None and firm_id is None and pgy is None)
    session_ids_in_range = (
        select(Session.id).where(Session.starts_at >= first, Session.starts_at < last)
    ).scalar_subquery()

    # Marks at the sessions of the range (those of the chosen residents when only their
    # sessions are evaluated: whether anyone has a mark came with each session; an absent
    # mark also records attendance).
    mark_query = select(
        Attendance.session_id, Attendance.resident_id, Attendance.mark, Attendance.mode
    ).where(Attendance.session_id.in_(session_ids_in_range))
    if their_sessions_only:
        mark_query = mark_query.where(Attendance.resident_id.in_(list(residents)))
    mark_rows = db.session.execute(mark_query)
    evaluation.year_modes = hybrid.modes_by_year(timeutil.academic_year_of(s.on) for s in sessions)
    session_modes = {s.id: evaluation.modes_attended(s) for s in sessions}
    marks: dict[int, dict[int, str]] = defaultdict(dict)
    modes: dict[int, dict[int, str]] = defaultdict(dict)
    marked_attended: dict[int, set[int]] = defaultdict(set)
    marked_excused: dict[int, set[int]] = defaultdict(set)
    excused_mark = Mark.EXCUSED.value
    room = Mode.ROOM.value
    for session_id, rid, mark, mode in mark_rows:
        marks[session_id][rid] = mark
        if mode != room:
            modes[session_id][rid] = mode
        # (Sessions left out by a series filter are in the range's rows too: never asked about.)
        allowed = session_modes.get(session_id, frozenset())
        if counts_as_attended(mark, mode, marks_attended, allowed):
            marked_attended[session_id].add(rid)
        elif mark == excused_mark:
            marked_excused[session_id].add(rid)
    evaluation.marks = marks
    evaluation.modes = modes
    evaluation.marked_attended = marked_attended

    if not residents:
        # No one chosen (an empty firm, a class with no residents): every session expects no one.
        for session in sessions:
            evaluation.members[session.id] = frozenset()
            evaluation.expected[session.id] = frozenset()
        return evaluation
    if not sessions:
        return evaluation

    def restrict(column):
        """Limit a resident column to the chosen residents without a long IN list."""
        if resident_ids is None and firm_id is None and pgy is None:
            return true()
        return column.in_(resident_query.with_only_columns(User.id).scalar_subquery())

    # Blocks overlapping the range.
    block_rows = db.session.execute(
        select(
            RotationAssignment.resident_id,
            RotationAssignment.start_on,
            RotationAssignment.end_on,
            RotationType.id,
            RotationType.setting,
            RotationType.excuses,
            RotationType.name,
        )
        .join(RotationType, RotationAssignment.rotation_type_id == RotationType.id)
        .where(RotationAssignment.start_on <= end_on, RotationAssignment.end_on >= start_on)
        .where(restrict(RotationAssignment.resident_id))
        .order_by(RotationAssignment.start_on)
    )
    excusing_blocks: list[tuple[int, date, date, str]] = []
    for rid, b_start, b_end, type_id, setting, excuses, name in block_rows:
        if rid not in residents:
            continue
        residents[rid].blocks.append(Block(b_start, b_end, type_id, setting, excuses))
        if excuses:
            excusing_blocks.append((rid, b_start, b_end, name))

    # Approved excusals overlapping the range, and the sessions some of them list.
    excusal_rows = db.session.execute(
        select(
            Excusal.id,
            Excusal.resident_id,
            Excusal.starts_on,
            Excusal.ends_on,
            Excusal.reason,
            exists().where(ExcusalSession.excusal_id == Excusal.id).label("lists_sessions"),
        )
        .where(Excusal.status == RequestStatus.APPROVED.value)
        .where(
            or_(
                and_(Excusal.starts_on <= end_on, Excusal.ends_on >= start_on),
                exists().where(
                    ExcusalSession.excusal_id == Excusal.id,
                    ExcusalSession.session_id.in_(session_ids_in_range),
                ),
            )
        )
        .where(restrict(Excusal.resident_id))
        .order_by(Excusal.id)
    ).all()
    listed = db.session.execute(
        select(ExcusalSession.excusal_id, ExcusalSession.session_id)
        .join(Excusal, Excusal.id == ExcusalSession.excusal_id)
        .where(Excusal.status == RequestStatus.APPROVED.value)
        .where(restrict(Excusal.resident_id))
        .where(ExcusalSession.session_id.in_(session_ids_in_range))
        .order_by(ExcusalSession.excusal_id)
    ).all()
    excusals_listing: dict[int, list[int]] = defaultdict(list)
    for excusal_id, session_id in listed:
        excusals_listing[session_id].append(excusal_id)

    # Excuses by local date (date-range excusals and excusing blocks) and by session.
    days = sorted({s.on for s in sessions})
    by_day: dict[date, dict[int, Excuse]] = {day: {} for day in days}
    excusal_by_id = {}
    for excusal_id, rid, e_start, e_end, reason, lists_sessions in excusal_rows:
        excuse = Excuse(ExcuseKind.EXCUSAL, excusal_label(reason), excusal_id)
        excusal_by_id[excusal_id] = (rid, excuse)
        if lists_sessions:
            continue
        for day in _days_between(days, e_start, e_end):
            by_day[day].setdefault(rid, excuse)
    block_day: dict[date, dict[int, Excuse]] = {day: {} for day in days}
    for rid, b_start, b_end, name in excusing_blocks:
        excuse = Excuse(ExcuseKind.ROTATION, rotation_label(name))
        for day in _days_between(days, b_start, b_end):
            block_day[day].setdefault(rid, excuse)

    # Audience membership, cached per (audience, academic year) when rotations do not matter
    # (audiences are shared objects, one per distinct audience, so they key the cache).
    groups: dict[str, list[ResidentFacts]] = defaultdict(list)
    for facts in residents.values():
        groups[facts.key()].append(facts)
    member_cache: dict[tuple, frozenset[int]] = {}
    # Residencies end on 30 June, except graduation dates set by hand: membership is the
    # same between two such days of one academic year.
    endings = sorted({f.graduates_on for f in residents.values() if f.graduates_on})

    def members_of(audience: Audience, day: date) -> frozenset[int]:
        if audience.depends_on_rotation:
            cache_key: tuple = (id(audience), day)
        else:
            cache_key = (
                id(audience),
                timeutil.academic_year_of(day),
                bisect_left(endings, day),
            )
        cached = member_cache.get(cache_key)
        if cached is not None:
            return cached
        if audience.depends_on_rotation:
            ids = frozenset(f.id for f in residents.values() if audience.includes(f, day))
        else:
            ids = frozenset(
                f.id for group in groups.values() if audience.includes(group[0], day) for f in group
            )
        member_cache[cache_key] = ids
        return ids

    for session in sessions:
        members = members_of(session.audience, session.on)
        evaluation.members[session.id] = members
        if not session.counted or not members:
            # Nobody chosen is in the audience (most sessions, for one resident): nothing
            # to excuse or expect.
            evaluation.expected[session.id] = _NOBODY
            if session.counted:
                evaluation.excuses[session.id] = {}
                evaluation.excused[session.id] = {}
            continue
        excused: dict[int, Excuse] = {}
        for excusal_id in excusals_listing.get(session.id, ()):
            rid, excuse = excusal_by_id.get(excusal_id, (None, None))
            if rid in members:
                excused.setdefault(rid, excuse)
        for source in (by_day[session.on], block_day[session.on]):
            if source:
                for rid in members.intersection(source):
                    excused.setdefault(rid, source[rid])
        marked_out = marked_excused.get(session.id)
        if marked_out:
            for rid in members.intersection(marked_out):
                excused.setdefault(rid, MARK_EXCUSE)
        evaluation.excuses[session.id] = excused
        # An attended session always counts: an excuse only applies to the rest.
        attended_here = marked_attended.get(session.id, set())
        not_attending = {rid: e for rid, e in excused.items() if rid not in attended_here}
        evaluation.excused[session.id] = not_attending
        # With no one excused the expected set is the audience itself (the same object for
        # every session of that audience, which lets totals count by audience).
        evaluation.expected[session.id] = (
            members.difference(not_attending) if not_attending else members
        )
    return evaluation


_NOBODY: frozenset[int] = frozenset()


def _parse_audience(text: str | None) -> Audience:
    return Audience.from_json(json.loads(text) if text else None)


def _may_include(
    audience: Audience, residents: Iterable[ResidentFacts], start_on: date, end_on: date
) -> bool:
    """Could the audience include one of ``residents`` on some day of the range? Without
    rotations the answer only changes with the academic year (PGY levels), so one day of
    each year decides; an audience by rotation is always kept (blocks are not loaded yet)."""
    if audience.depends_on_rotation:
        return True
    days = [start_on]
    year = timeutil.academic_year_of(start_on) + 1
    while (first_day := timeutil.academic_year_bounds(year)[0]) <= end_on:
        days.append(first_day)
        year += 1
    return any(audience.includes(facts, day) for facts in residents for day in days)


def _days_between(days: list[date], start_on: date, end_on: date) -> list[date]:
    """The sorted ``days`` within start_on..end_on."""
    return days[bisect_left(days, start_on) : bisect_right(days, end_on)]
