"""Who a session is for. The one place that answers it, for feeds, check-in and reports.

An audience is a combination of criteria: PGY levels, firms, tracks and rotations (by
setting, such as "ambulatory", or by rotation type). Within one criterion any value
matches; across criteria all must match; no criteria at all means every resident.
PGY level and rotation are resolved on the session's local date. ``describe_audience``
says an audience in words, for pages and warnings.

Only residents *in residency* on that date belong to any audience: an intern whose start
year is next year joins on 1 July of it; a resident who finished (the end of their track's
last academic year, or their own graduation date) is an alumnus from the next day. Their
past sessions stay theirs (reports, feeds), and nothing after that includes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask import g, has_request_context, request
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import (
    DEFAULT_RESIDENCY_YEARS,
    Firm,
    Role,
    Track,
    User,
    UserRole,
    residency_last_day,
)
from conferences.rotations.models import SETTING_LABELS, RotationAssignment, RotationType, Setting


@dataclass(frozen=True)
class Audience:
    pgy_levels: frozenset[int] = frozenset()
    firm_ids: frozenset[int] = frozenset()
    track_ids: frozenset[int] = frozenset()
    rotation_settings: frozenset[str] = frozenset()
    rotation_type_ids: frozenset[int] = frozenset()

    @classmethod
    def everyone(cls) -> Audience:
        return cls()

    @classmethod
    def from_json(cls, data: dict | None) -> Audience:
        data = data or {}
        return cls(
            pgy_levels=frozenset(int(v) for v in data.get("pgy", [])),
            firm_ids=frozenset(int(v) for v in data.get("firms", [])),
            track_ids=frozenset(int(v) for v in data.get("tracks", [])),
            rotation_settings=frozenset(str(v) for v in data.get("settings", [])),
            rotation_type_ids=frozenset(int(v) for v in data.get("rotations", [])),
        )

    def to_json(self) -> dict:
        data: dict = {}
        if self.pgy_levels:
            data["pgy"] = sorted(self.pgy_levels)
        if self.firm_ids:
            data["firms"] = sorted(self.firm_ids)
        if self.track_ids:
            data["tracks"] = sorted(self.track_ids)
        if self.rotation_settings:
            data["settings"] = sorted(self.rotation_settings)
        if self.rotation_type_ids:
            data["rotations"] = sorted(self.rotation_type_ids)
        return data

    @property
    def is_everyone(self) -> bool:
        return not self.to_json()

    @property
    def depends_on_rotation(self) -> bool:
        return bool(self.rotation_settings or self.rotation_type_ids)

    def key(self) -> str:
        """A canonical string: equal audiences have equal keys."""
        parts = [f"{name}={','.join(map(str, values))}" for name, values in self.to_json().items()]
        return ";".join(parts) or "all"

    def includes(self, resident: ResidentFacts, on: date) -> bool:
        """Is this resident in the audience of a session held on local date ``on``?"""
        if not resident.in_residency(on):
            return False
        if self.pgy_levels:
            if resident.start_year is None:
                return False
            if timeutil.pgy_level(resident.start_year, on) not in self.pgy_levels:
                return False
        if self.firm_ids and resident.firm_id not in self.firm_ids:
            return False
        if self.track_ids and resident.track_id not in self.track_ids:
            return False
        if self.depends_on_rotation:
            block = resident.rotation_on(on)
            if block is None:
                return False
            if not (
                block.setting in self.rotation_settings
                or block.rotation_type_id in self.rotation_type_ids
            ):
                return False
        return True

    def resident_clause(self, on: date) -> ColumnElement[bool]:
        """The same rule as ``includes``, as a SQL condition on ``User``."""
        conditions: list[ColumnElement[bool]] = [is_active_resident(), in_residency_clause(on)]
        if self.pgy_levels:
            year = timeutil.academic_year_of(on)
            conditions.append(User.start_year.in_([year - level + 1 for level in self.pgy_levels]))
        if self.firm_ids:
            conditions.append(User.firm_id.in_(self.firm_ids))
        if self.track_ids:
            conditions.append(User.track_id.in_(self.track_ids))
        if self.depends_on_rotation:
            matches = []
            if self.rotation_settings:
                matches.append(RotationType.setting.in_(self.rotation_settings))
            if self.rotation_type_ids:
                matches.append(RotationType.id.in_(self.rotation_type_ids))
            conditions.append(
                exists()
                .where(RotationAssignment.resident_id == User.id)
                .where(RotationAssignment.rotation_type_id == RotationType.id)
                .where(RotationAssignment.start_on <= on, RotationAssignment.end_on >= on)
                .where(or_(*matches))
            )
        return and_(*conditions)

    def residents(self, on: date) -> Select[tuple[User]]:
        """Query for the active residents in this audience on local date ``on``."""
        return select(User).where(self.resident_clause(on)).order_by(User.name)


def is_active_resident() -> ColumnElement[bool]:
    return and_(
        User.active == true(),
        exists().where(UserRole.user_id == User.id, UserRole.role == Role.RESIDENT.value),
    )


def in_residency_clause(on: date) -> ColumnElement[bool]:
    """The residency rule of ``ResidentFacts.in_residency`` as a SQL condition on ``User``."""
    year = timeutil.academic_year_of(on)
    years = func.coalesce(
        select(Track.years).where(Track.id == User.track_id).correlate(User).scalar_subquery(),
        DEFAULT_RESIDENCY_YEARS,
    )
    return and_(
        or_(User.start_year.is_(None), User.start_year <= year),
        or_(
            User.graduates_on >= on,
            and_(
                User.graduates_on.is_(None),
                or_(User.start_year.is_(None), User.start_year + years > year),
            ),
        ),
    )


@dataclass(frozen=True)
class Block:
    start_on: date
    end_on: date
    rotation_type_id: int
    setting: str
    excuses: bool


@dataclass
class ResidentFacts:
    """What the audience rule needs to know about one resident."""

    id: int
    start_year: int | None
    firm_id: int | None
    track_id: int | None
    blocks: list[Block] = field(default_factory=list)
    graduates_on: date | None = None
    years: int = DEFAULT_RESIDENCY_YEARS

    @property
    def first_day(self) -> date | None:
        if self.start_year is None:
            return None
        return timeutil.academic_year_bounds(self.start_year)[0]

    @property
    def last_day(self) -> date | None:
        return residency_last_day(self.start_year, self.years, self.graduates_on)

    def in_residency(self, on: date) -> bool:
        """Has the residency begun by ``on`` and not yet ended?"""
        first, last = self.first_day, self.last_day
        return (first is None or first <= on) and (last is None or on <= last)

    def is_alumnus(self, on: date) -> bool:
        last = self.last_day
        return last is not None and on > last

    def residency_problem(self, on: date) -> str | None:
        """Why this resident takes no part in sessions on ``on`` (None: they do)."""
        first, last = self.first_day, self.last_day
        if first is not None and on < first:
            return f"Your residency starts on {first.strftime('%d %B %Y')}."
        if last is not None and on > last:
            return f"Your residency ended on {last.strftime('%d %B %Y')}."
        return None

    def rotation_on(self, on: date) -> Block | None:
        for block in self.blocks:
            if block.start_on <= on <= block.end_on:
                return block
        return None

    def key(self) -> str:
        """Residents with equal keys and no blocks see exactly the same sessions."""
        return f"{self.start_year}:{self.firm_id}:{self.track_id}:{self.graduates_on}"


def resident_facts(users: Iterable[User]) -> dict[int, ResidentFacts]:
    """Facts for many residents, with their rotation blocks, in two queries."""
    facts = {
        u.id: ResidentFacts(
            u.id,
            u.start_year,
            u.firm_id,
            u.track_id,
            graduates_on=u.graduates_on,
            years=u.track.years if u.track is not None else DEFAULT_RESIDENCY_YEARS,
        )
        for u in users
    }
    if not facts:
        return facts
    rows = db.session.execute(
        select(
            RotationAssignment.resident_id,
            RotationAssignment.start_on,
            RotationAssignment.end_on,
            RotationType.id,
            RotationType.setting,
            RotationType.excuses,
        )
        .join(RotationType, RotationAssignment.rotation_type_id == RotationType.id)
        .where(RotationAssignment.resident_id.in_(list(facts)))
        .order_by(RotationAssignment.start_on)
    )
    for resident_id, start_on, end_on, type_id, setting, excuses in rows:
        facts[resident_id].blocks.append(Block(start_on, end_on, type_id, setting, excuses))
    return facts


def residency_of(user: User) -> ResidentFacts:
    """A resident's facts without their rotation blocks (no query): enough for
    ``in_residency`` and ``residency_problem``."""
    return ResidentFacts(
        user.id,
        user.start_year,
        user.firm_id,
        user.track_id,
        graduates_on=user.graduates_on,
        years=user.track.years if user.track is not None else DEFAULT_RESIDENCY_YEARS,
    )


def facts_for(user: User) -> ResidentFacts:
    return resident_facts([user])[user.id]


def session_audience(session) -> Audience:
    return Audience.from_json(session.audience)


def in_audience(session, resident: ResidentFacts) -> bool:
    """The single answer to "is this resident in this session's audience"."""
    return session_audience(session).includes(resident, timeutil.local_date(session.starts_at))


def session_residents(session) -> Select[tuple[User]]:
    """The single query for "which residents are in this session's audience"."""
    return session_audience(session).residents(timeutil.local_date(session.starts_at))


# ---------------------------------------------------------------- audience in words


def _id_names(model) -> dict[int, str]:
    return dict(db.session.execute(select(model.id, model.name)).all())


def audience_names() -> dict[str, dict[int, str]]:
    """Firm, track and rotation names by id, loaded once per request."""
    key = id(request._get_current_object()) if has_request_context() else None  # type: ignore[attr-defined]
    cached = getattr(g, "_schedule_names", None) if key else None
    if cached is not None and cached[0] == key:
        return cached[1]
    names = {
        "firms": _id_names(Firm),
        "tracks": _id_names(Track),
        "rotations": _id_names(RotationType),
    }
    if key:
        g._schedule_names = (key, names)
    return names


def _with_noun(names: list[str], noun: str) -> str:
    joined = ", ".join(names)
    if all(name.lower().endswith(noun) for name in names):
        return joined
    return f"{joined} {noun}{'s' if len(names) > 1 else ''}"


def describe_audience(audience: dict | Audience | None) -> str:
    """Who a session is for, in words: "All residents", "PGY-1 · Osler firm",
    "Residents on Ambulatory"."""
    aud = audience if isinstance(audience, Audience) else Audience.from_json(audience)
    if aud.is_everyone:
        return "All residents"
    parts: list[str] = []
    if aud.pgy_levels:
        levels = sorted(aud.pgy_levels)
        parts.append("PGY-" + "/".join(str(level) for level in levels))
    names = audience_names() if (aud.firm_ids or aud.track_ids or aud.rotation_type_ids) else {}
    if aud.firm_ids:
        firm_names = sorted(names["firms"].get(i, f"#{i}") for i in aud.firm_ids)
        parts.append(_with_noun(firm_names, "firm"))
    if aud.track_ids:
        track_names = sorted(names["tracks"].get(i, f"#{i}") for i in aud.track_ids)
        parts.append(_with_noun(track_names, "track"))
    if aud.depends_on_rotation:
        places = sorted(
            SETTING_LABELS.get(Setting(s), s) if s in Setting._value2member_map_ else s
            for s in aud.rotation_settings
        )
        places += sorted(names["rotations"].get(i, f"#{i}") for i in aud.rotation_type_ids)
        on = "on " + " or ".join(places)
        parts.append(f"Residents {on}" if not parts else on)
    return " · ".join(parts)
