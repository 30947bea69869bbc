"""People across academic years: PGY follows the year, interns join on 1 July of their
start year, residents who finish are alumni from the day after their last day. The
audience rule (schedule/audience.py) and the attendance rule (attendance/rules.py) decide,
and check-in follows them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from conferences import timeutil
from conferences.attendance.checkins import record_checkin
from conferences.attendance.evaluation import evaluate
from conferences.attendance.models import Attendance
from conferences.errors import NotAllowed
from conferences.extensions import db
from conferences.people import services as people
from conferences.people.models import User
from conferences.schedule.audience import facts_for, in_audience, session_residents


@pytest.fixture
def year_end(clock, make_user, make_session):
    """30 June 2027 at noon: an intern (started 2026), a graduating PGY-3 (started 2024),
    next year's intern (starts 2027), and sessions either side of midnight."""
    clock.set(datetime(2027, 6, 30, 16, 0, tzinfo=UTC))
    people_ = {
        "intern": make_user(roles=("resident",), name="Ian Intern", start_year=2026),
        "senior": make_user(roles=("resident",), name="Sam Senior", start_year=2024),
        "incoming": make_user(roles=("resident",), name="Nia New", start_year=2027),
    }
    sessions = {
        "june_all": make_session(on=date(2027, 6, 30), required=True),
        "july_all": make_session(on=date(2027, 7, 1), required=True),
        "june_pgy1": make_session(on=date(2027, 6, 30), audience={"pgy": [1]}, required=True),
        "july_pgy2": make_session(on=date(2027, 7, 1), audience={"pgy": [2]}, required=True),
        "july_pgy1": make_session(on=date(2027, 7, 1), audience={"pgy": [1]}, required=True),
    }
    return people_, sessions


def _members(session) -> set[str]:
    return {u.name for u in db.session.scalars(session_residents(session))}


def test_crossing_30_june_moves_everyone_a_year(year_end, clock):
    who, s = year_end
    assert who["intern"].pgy() == 1
    assert _members(s["june_all"]) == {"Ian Intern", "Sam Senior"}
    assert _members(s["june_pgy1"]) == {"Ian Intern"}
    clock.set(datetime(2027, 7, 1, 14, 0, tzinfo=UTC))  # nobody does anything
    assert who["intern"].pgy() == 2
    assert _members(s["july_all"]) == {"Ian Intern", "Nia New"}
    assert _members(s["july_pgy2"]) == {"Ian Intern"}
    assert _members(s["july_pgy1"]) == {"Nia New"}
    # The one rule in Python agrees with the query, session by session.
    for key, session in s.items():
        names = {u.name for u in who.values() if in_audience(session, facts_for(u))}
        assert names == _members(session), key


def test_reports_count_each_side_of_30_june_for_who_was_there(year_end, clock):
    _, s = year_end
    clock.set(datetime(2027, 7, 2, 16, 0, tzinfo=UTC))
    result = evaluate(date(2027, 6, 30), date(2027, 7, 1))
    members = {
        sid: {db.session.get(User, rid).name for rid in ids} for sid, ids in result.members.items()
    }
    assert members[s["june_all"].id] == {"Ian Intern", "Sam Senior"}  # the alumnus stays
    assert members[s["july_all"].id] == {"Ian Intern", "Nia New"}
    assert members[s["july_pgy2"].id] == {"Ian Intern"}


def test_incoming_interns_and_alumni_cannot_check_in(year_end, clock):
    who, s = year_end
    with pytest.raises(NotAllowed, match="starts on 01 July 2027"):
        record_checkin(s["june_all"], who["incoming"], at=s["june_all"].starts_at)
    clock.set(datetime(2027, 7, 1, 16, 0, tzinfo=UTC))
    with pytest.raises(NotAllowed, match="ended on 30 June 2027"):
        record_checkin(s["july_all"], who["senior"], at=s["july_all"].starts_at)
    record_checkin(s["july_all"], who["incoming"], at=s["july_all"].starts_at)
    marks = {(a.session_id, a.resident_id) for a in db.session.scalars(select(Attendance))}
    assert marks == {(s["july_all"].id, who["incoming"].id)}


def test_a_graduation_date_and_a_short_track_end_residency_on_their_day(
    clock, make_user, make_track, make_session
):
    clock.set(datetime(2027, 8, 2, 16, 0, tzinfo=UTC))
    prelim = make_track("Preliminary")
    prelim.years = 1
    extended = make_user(roles=("resident",), name="Eve Extended", start_year=2024)
    people.set_graduation(None, extended, date(2027, 10, 15))
    short = make_user(roles=("resident",), name="Pat Prelim", start_year=2026, track_id=prelim.id)
    db.session.flush()
    october = make_session(on=date(2027, 10, 15), required=True)
    later = make_session(on=date(2027, 10, 18), required=True)
    assert _members(october) == {"Eve Extended"}
    assert _members(later) == set()
    result = evaluate(date(2027, 10, 1), date(2027, 10, 31))
    assert result.members[october.id] == frozenset({extended.id})
    assert result.members[later.id] == frozenset()
    assert short.residency_ends == date(2027, 6, 30)
    assert extended.residency_ends == date(2027, 10, 15)


def test_a_graduation_date_before_the_residency_starts_is_refused(clock, make_user):
    resident = make_user(roles=("resident",), start_year=2026)
    from conferences.errors import DomainError

    with pytest.raises(DomainError, match="before the residency starts"):
        people.set_graduation(None, resident, date(2026, 6, 1))
    assert resident.graduates_on is None


def test_the_admin_sets_a_graduation_date_on_the_person_page(clock, make_user, client, auth):
    admin = make_user(roles=("admin",), email="admin@example.test")
    resident = make_user(roles=("resident",), name="Rae Resident", start_year=2025)
    db.session.commit()
    auth.login(admin.email)
    html = client.get(f"/admin/people/{resident.id}").text
    assert "Residency ends 30 Jun 2028" in html
    answer = client.post(
        f"/admin/people/{resident.id}",
        data={
            "name": "Rae Resident",
            "email": resident.email,
            "roles": ["resident"],
            "start_year": "2025",
            "track_id": "",
            "firm_id": "",
            "graduates_on": "2028-12-31",
        },
    )
    assert answer.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(User, resident.id).graduates_on == date(2028, 12, 31)
    assert timeutil.academic_year_of(date(2028, 12, 31)) == 2028


def test_the_admin_sets_a_tracks_length(clock, make_user, make_track, client, auth):
    admin = make_user(roles=("admin",), email="admin@example.test")
    prelim = make_track("Preliminary")
    intern = make_user(roles=("resident",), start_year=2026, track_id=prelim.id)
    db.session.commit()
    auth.login(admin.email)
    assert 'name="years" value="3"' in client.get("/admin/firms-and-tracks").text
    assert (
        client.post(
            f"/admin/firms-and-tracks/track/{prelim.id}/years", data={"years": "9"}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert db.session.get(User, intern.id).residency_ends == date(2029, 6, 30)  # refused: 3 years
    client.post(f"/admin/firms-and-tracks/track/{prelim.id}/years", data={"years": "1"})
    db.session.expire_all()
    assert db.session.get(User, intern.id).residency_ends == date(2027, 6, 30)


def test_the_people_list_says_incoming_and_alumnus(clock, make_user, client, auth):
    admin = make_user(roles=("admin",), email="admin@example.test")
    make_user(roles=("resident",), name="Nia New", start_year=2027)
    make_user(roles=("resident",), name="Ada Alum", start_year=2023)
    db.session.commit()
    auth.login(admin.email)
    html = client.get("/admin/people?role=resident").text
    assert "from 1 Jul 2027" in html
    assert "alumnus" in html
