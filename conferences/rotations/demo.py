"""Demo data for the rotations domain: rotation types and a 4-week block schedule.

Every resident gets thirteen 4-week blocks from 1 July (the last one runs to 30 June) in
each of the two demo academic years they were in residency.
Each class follows its own template of services; residents start the template at
staggered offsets, so every block has a realistic spread of residents on wards, in the
ICUs, in the Emergency Department, in clinic, on electives, on nights and on vacation.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from conferences import timeutil
from conferences.extensions import db
from conferences.people.models import Role, User, UserRole
from conferences.rotations.models import RotationAssignment
from conferences.rotations.services import ensure_default_types

BLOCK_DAYS = 28
BLOCKS = 13

GM = "General medicine wards"
CARDS = "Cardiology wards"
ONC = "Oncology wards"
MICU = "MICU"
CCU = "CCU"
NICU = "Neuro ICU"
NF = "Night float"
ED = "Emergency Department"
AMB = "Ambulatory block"
ELEC = "Elective"
RES = "Research"
AWAY = "Away rotation"
# A split block: two weeks of vacation, then two weeks of elective.
VAC_SPLIT = "vacation/elective"

TEMPLATES = {
    1: [GM, CARDS, MICU, AMB, GM, NF, ONC, ED, VAC_SPLIT, GM, CCU, AMB, ELEC],
    2: [GM, MICU, AMB, ELEC, NF, CARDS, VAC_SPLIT, ED, NICU, AMB, GM, RES, ELEC],
    3: [GM, AMB, ELEC, MICU, ONC, VAC_SPLIT, ELEC, NF, AMB, AWAY, GM, RES, ELEC],
}


def _residents(ctx) -> list[User]:
    residents = ctx.data.get("residents")
    if residents:
        return [*residents, *(ctx.data.get("alumni") or [])]
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role.RESIDENT.value, User.active.is_(True))
            .order_by(User.id)
        )
    )


def load(ctx) -> None:
    """Rotation types and the block schedule of everyone in residency in the previous
    academic year and in ``ctx.academic_year``."""
    types = ensure_default_types()
    by_name = {name: rotation.id for name, rotation in types.items()}
    rows = []
    residents = _residents(ctx)
    for year in (ctx.academic_year - 1, ctx.academic_year):
        rows += _year_rows(ctx, year, residents, by_name)
    if rows:
        db.session.execute(insert(RotationAssignment), rows)
    ctx.data["rotation_types"] = types
    ctx.log(f"  rotations: {len(types)} rotation types, {len(rows)} blocks")


def _year_rows(ctx, year: int, residents: list[User], by_name: dict[str, int]) -> list[dict]:
    year_start, year_end = timeutil.academic_year_bounds(year)
    rows = []
    counters: dict[int, int] = {}
    for resident in residents:
        pgy = timeutil.pgy_level(resident.start_year, year_start) if resident.start_year else 1
        ends = resident.residency_ends
        if pgy < 1 or (ends is not None and ends < year_start):
            continue  # not yet, or no longer, a resident that year
        template = TEMPLATES.get(pgy, TEMPLATES[3])
        index = counters.get(pgy, 0)
        counters[pgy] = index + 1
        # Stagger residents through the template; a little randomness within the class.
        offset = (index * 5 + ctx.rng.randrange(2)) % BLOCKS
        for block in range(BLOCKS):
            start_on = year_start + timedelta(days=block * BLOCK_DAYS)
            end_on = year_end if block == BLOCKS - 1 else start_on + timedelta(days=BLOCK_DAYS - 1)
            service = template[(block + offset) % BLOCKS]
            if service == VAC_SPLIT:
                middle = start_on + timedelta(days=13)
                rows.append(_row(resident.id, by_name["Vacation"], start_on, middle))
                rows.append(_row(resident.id, by_name[ELEC], middle + timedelta(days=1), end_on))
            else:
                rows.append(_row(resident.id, by_name[service], start_on, end_on))
    return rows


def _row(resident_id: int, type_id: int, start_on, end_on) -> dict:
    return {
        "resident_id": resident_id,
        "rotation_type_id": type_id,
        "start_on": start_on,
        "end_on": end_on,
    }
