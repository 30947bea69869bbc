"""Audience membership: the Python rule and the SQL query agree, rotations included."""

from __future__ import annotations

from datetime import date

import pytest

from conferences.extensions import db
from conferences.rotations.models import RotationAssignment, RotationType
from conferences.schedule.audience import (
    Audience,
    describe_audience,
    in_audience,
    resident_facts,
    session_residents,
)
from conferences.schedule.conflicts import audiences_overlap

ON = date(2026, 11, 10)


@pytest.fixture
def program(make_resident, make_firm, make_track, make_user):
    osler = make_firm("Osler")
    flint = make_firm("Flint")
    primary = make_track("Primary Care")
    clinic = RotationType(name="Continuity clinic", setting="ambulatory")
    ward = RotationType(name="General wards", setting="inpatient")
    db.session.add_all([clinic, ward])
    db.session.flush()
    people = {
        "osler_intern": make_resident(pgy=1, firm=osler, on=ON),
        "flint_intern": make_resident(pgy=1, firm=flint, track=primary, on=ON),
        "osler_senior": make_resident(pgy=3, firm=osler, track=primary, on=ON),
        "flint_junior": make_resident(pgy=2, firm=flint, on=ON),
    }
    make_user(roles=("faculty",))  # never in any audience
    inactive = make_resident(pgy=1, firm=osler, on=ON)
    inactive.active = False
    blocks = [
        (people["osler_intern"], clinic, date(2026, 11, 1), date(2026, 11, 28)),
        (people["flint_junior"], clinic, date(2026, 10, 1), date(2026, 11, 9)),
        (people["flint_junior"], ward, date(2026, 11, 10), date(2026, 12, 7)),
        (people["osler_senior"], ward, date(2026, 11, 1), date(2026, 11, 28)),
    ]
    for resident, rotation, start, end in blocks:
        db.session.add(
            RotationAssignment(
                resident_id=resident.id, rotation_type_id=rotation.id, start_on=start, end_on=end
            )
        )
    db.session.flush()
    return {"osler": osler, "flint": flint, "primary": primary, "clinic": clinic, **people}


def _cases(p):
    return {
        "everyone": (Audience(), {"osler_intern", "flint_intern", "osler_senior", "flint_junior"}),
        "interns": (Audience(pgy_levels=frozenset({1})), {"osler_intern", "flint_intern"}),
        "osler interns": (
            Audience(pgy_levels=frozenset({1}), firm_ids=frozenset({p["osler"].id})),
            {"osler_intern"},
        ),
        "primary care": (
            Audience(track_ids=frozenset({p["primary"].id})),
            {"flint_intern", "osler_senior"},
        ),
        "on ambulatory": (Audience(rotation_settings=frozenset({"ambulatory"})), {"osler_intern"}),
        "on wards, seniors": (
            Audience(pgy_levels=frozenset({2, 3}), rotation_settings=frozenset({"inpatient"})),
            {"osler_senior", "flint_junior"},
        ),
        "clinic by type": (
            Audience(rotation_type_ids=frozenset({p["clinic"].id})),
            {"osler_intern"},
        ),
    }


def test_includes_and_residents_agree(program, app_ctx):
    people = {k: v for k, v in program.items() if k.endswith(("intern", "senior", "junior"))}
    names = {person.id: name for name, person in people.items()}
    facts = resident_facts(people.values())
    for label, (audience, expected) in _cases(program).items():
        by_rule = {names[i] for i, f in facts.items() if audience.includes(f, ON)}
        by_query = {names.get(u.id, u.name) for u in db.session.scalars(audience.residents(ON))}
        assert by_rule == expected, label
        assert by_query == expected, label


def test_session_helpers_use_the_session_date(program, app_ctx, make_session):
    session = make_session(on=ON, audience={"settings": ["ambulatory"]})
    facts = resident_facts([program["osler_intern"], program["flint_junior"]])
    assert in_audience(session, facts[program["osler_intern"].id])
    assert not in_audience(session, facts[program["flint_junior"].id])
    assert list(db.session.scalars(session_residents(session))) == [program["osler_intern"]]
    earlier = make_session(on=date(2026, 11, 2), audience={"settings": ["ambulatory"]})
    assert in_audience(earlier, facts[program["flint_junior"].id])


def test_audience_in_words(program, app_ctx):
    assert describe_audience({}) == "All residents"
    assert describe_audience({"pgy": [1], "firms": [program["osler"].id]}) == "PGY-1 · Osler firm"
    assert describe_audience({"settings": ["ambulatory"]}) == "Residents on Ambulatory"
    assert describe_audience({"pgy": [2, 3]}) == "PGY-2/3"


def test_audiences_overlap():
    interns = Audience(pgy_levels=frozenset({1}))
    seniors = Audience(pgy_levels=frozenset({3}))
    assert audiences_overlap(Audience(), interns)
    assert not audiences_overlap(interns, seniors)
    assert audiences_overlap(interns, Audience(firm_ids=frozenset({4})))
    assert not audiences_overlap(
        Audience(rotation_settings=frozenset({"icu"})),
        Audience(rotation_settings=frozenset({"ambulatory"})),
    )
