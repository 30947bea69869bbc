"""Session feedback: who may rate, once only, and the presenters' anonymity threshold."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from conferences.attendance.models import Attendance
from conferences.errors import Conflict, DomainError, NotAllowed
from conferences.extensions import db
from conferences.teaching.feedback import feedback_summary, give_feedback, sessions_to_rate
from conferences.teaching.models import Feedback

PAST = date(2026, 11, 2)


def attend(session, resident, mark="present"):
    db.session.add(
        Attendance(session_id=session.id, resident_id=resident.id, mark=mark, source="manual")
    )
    db.session.flush()


@pytest.fixture
def past_session(make_session):
    return make_session(on=PAST)


def test_only_attending_residents_rate_once(clock, make_resident, past_session, make_session):
    present, late, absent, stranger = (make_resident() for _ in range(4))
    attend(past_session, present)
    attend(past_session, late, "late")
    attend(past_session, absent, "absent")
    give_feedback(past_session, present, 5, "Great")
    give_feedback(past_session, late, 4)
    for person in (absent, stranger):
        with pytest.raises(NotAllowed):
            give_feedback(past_session, person, 3)
    with pytest.raises(Conflict):
        give_feedback(past_session, present, 1)
    with pytest.raises(DomainError):
        give_feedback(past_session, late, 6)
    assert db.session.query(Feedback).count() == 2


def test_not_before_the_session_is_over(clock, make_resident, make_session):
    resident = make_resident()
    upcoming = make_session(on=date(2026, 11, 5))
    attend(upcoming, resident)
    with pytest.raises(NotAllowed, match="once it is over"):
        give_feedback(upcoming, resident, 5)


def test_database_enforces_one_feedback_per_resident(clock, make_resident, past_session):
    resident = make_resident()
    db.session.add(Feedback(session_id=past_session.id, resident_id=resident.id, rating=4))
    db.session.flush()
    nested = db.session.begin_nested()
    db.session.add(Feedback(session_id=past_session.id, resident_id=resident.id, rating=2))
    with pytest.raises(IntegrityError):
        db.session.flush()
    nested.rollback()


def test_presenters_see_aggregates_only_from_three_responses(
    clock, faculty, other_faculty, coordinator, make_resident, past_session, make_slot
):
    make_slot(session=past_session, holder=faculty)
    residents = [make_resident() for _ in range(3)]
    for person in residents:
        attend(past_session, person)
    give_feedback(past_session, residents[0], 5, "Clear")
    give_feedback(past_session, residents[1], 3, "Too fast")

    hidden = feedback_summary(past_session, faculty)
    assert not hidden.visible
    assert hidden.average is None
    assert hidden.distribution == {}
    assert hidden.responses == []
    assert not feedback_summary(past_session, other_faculty).visible
    everything = feedback_summary(past_session, coordinator)
    assert everything.visible
    assert everything.detailed
    assert [(f.rating, name) for f, name in everything.responses] == [
        (5, residents[0].name),
        (3, residents[1].name),
    ]

    give_feedback(past_session, residents[2], 4)
    shown = feedback_summary(past_session, faculty)
    assert shown.visible
    assert not shown.detailed
    assert shown.count == 3
    assert shown.average == 4.0
    assert shown.distribution == {5: 1, 4: 1, 3: 1, 2: 0, 1: 0}
    assert shown.responses == []
    assert not feedback_summary(past_session, other_faculty).visible


def test_sessions_to_rate(clock, make_resident, past_session, make_session):
    resident = make_resident()
    attend(past_session, resident)
    other = make_session(on=PAST)
    attend(other, resident, "absent")
    assert [s.id for s in sessions_to_rate(resident)] == [past_session.id]
    give_feedback(past_session, resident, 4)
    assert sessions_to_rate(resident) == []
