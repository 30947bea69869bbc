"""One rule for every attendance number: each finding of the attendance-truth review,
reproduced and checked in every place that shows the numbers (``tests/reports/agreement``)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, time, timedelta

import pytest
from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import checkins, excusals, marks, rosters, rules
from conferences.attendance.evaluation import evaluate
from conferences.attendance.models import Attendance
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.models import Firm
from conferences.reports.filters import Filters
from conferences.reports.overview import overview
from conferences.reports.resident import resident_report
from conferences.reports.sessions import session_detail_table, session_table
from tests.attendance.conftest import SESSION_DAY, STARTS_AT, code_at
from tests.reports.agreement import check_everywhere

PAST = date(2026, 10, 6)  # a Tuesday before the test clock's "now" (Wed 2026-11-04)
OCTOBER = (date(2026, 10, 1), date(2026, 10, 31))


def _mark(session, resident, value: str) -> None:
    db.session.add(
        Attendance(session_id=session.id, resident_id=resident.id, mark=value, source="manual")
    )
    db.session.flush()


def _totals(resident) -> tuple[int, int, int]:
    return evaluate(*OCTOBER).totals_by_resident()[resident.id]


# ----------------------------------------------------------------------------- finding 1


def test_an_excusal_never_takes_away_credit_for_attended_sessions(
    clock, make_resident, make_user, make_session
):
    """Excused for a day with one session missed and two attended: the two still count as
    attended and expected; only the missed one leaves "expected"."""
    coordinator = make_user(roles=("coordinator",))
    resident = make_resident(pgy=1)
    morning = make_session(on=PAST, start=time(8))
    noon = make_session(on=PAST, start=time(12))
    late_day = make_session(on=PAST, start=time(16))  # missed
    other = [make_session(on=date(2026, 10, d)) for d in (7, 8, 9)]
    for session in (morning, noon, *other):
        _mark(session, resident, "present")
    assert _totals(resident) == (6, 5, 0)

    excusals.grant_excusal(
        resident, actor=coordinator, reason="family", starts_on=PAST, ends_on=PAST
    )
    db.session.flush()
    assert _totals(resident) == (5, 5, 1)  # was (3, 3, 3): two attended sessions lost
    assert rules.resident_status(morning, resident).status == rules.Status.ATTENDED
    assert rules.resident_status(noon, resident).excuse is None
    assert rules.resident_status(late_day, resident).status == rules.Status.EXCUSED
    recount = check_everywhere(*OCTOBER)
    assert recount.residents[resident.id] == [5, 5, 1]


def test_granting_an_excusal_on_a_fully_attended_day_does_not_lower_the_rate(
    clock, make_resident, make_user, make_session
):
    coordinator = make_user(roles=("coordinator",))
    resident = make_resident(pgy=1)
    sessions = [make_session(on=date(2026, 10, d)) for d in (5, 6, 7, 8, 9, 12, 13)]
    for session in sessions[:5]:
        _mark(session, resident, "present")
    before = rules.rate(*_totals(resident)[1::-1])
    excusals.grant_excusal(
        resident, actor=coordinator, reason="illness", starts_on=PAST, ends_on=PAST
    )
    db.session.flush()
    after = rules.rate(*_totals(resident)[1::-1])
    assert before == after == pytest.approx(5 / 7)


# ----------------------------------------------------------------------------- finding 2


def test_roster_live_count_and_reports_agree_on_a_rotation_excused_resident_marked_present(
    clock, make_resident, make_user, make_session, make_rotation, make_block
):
    coordinator = make_user(roles=("coordinator",))
    on_icu, on_wards = make_resident(pgy=1), make_resident(pgy=1)
    make_block(on_icu, make_rotation("MICU", "icu"), date(2026, 10, 1), date(2026, 10, 28))
    session = make_session(on=PAST)
    marks.set_marks(session, [on_icu.id, on_wards.id], "present", actor=coordinator)

    roster = rosters.roster(session)
    assert {row.resident.id: row.status for row in roster.rows} == {
        on_icu.id: "present",
        on_wards.id: "present",
    }
    assert marks.live_count(session) == 2
    view = overview(Filters(*OCTOBER))
    row = dict(
        zip(
            [c.key for c in session_table(view).columns],
            session_table(view).rows[0],
            strict=True,
        )
    )
    assert (row["expected"], row["attended"], row["excused"]) == (2, 2, 0)  # was (1, 1, 1)
    detail = session_detail_table(session)
    assert {r[0]: r[5] for r in detail.rows} == {
        on_icu.name: "Attended",
        on_wards.name: "Attended",
    }
    own = resident_report(on_icu, Filters(*OCTOBER))
    assert (own.expected, own.attended, own.excused) == (1, 1, 0)
    check_everywhere(*OCTOBER)


# ----------------------------------------------------------------------------- finding 3


def test_filtered_session_report_counts_only_people_outside_the_audience_as_visitors(
    clock, make_resident, make_session
):
    red, blue = Firm(name="Red"), Firm(name="Blue")
    db.session.add_all([red, blue])
    db.session.flush()
    reds = [make_resident(pgy=1, firm=red) for _ in range(2)]
    blues = [make_resident(pgy=1, firm=blue) for _ in range(3)]
    senior = make_resident(pgy=3, firm=red)  # a real visitor at an intern session
    everyone = make_session(on=PAST)
    interns = make_session(on=date(2026, 10, 7), audience={"pgy": [1]})
    for person in (*reds, *blues):
        _mark(everyone, person, "present")
        _mark(interns, person, "present")
    _mark(interns, senior, "present")

    def visitors(**filters) -> list[int]:
        view = overview(Filters(*OCTOBER, **filters))
        return session_table(view).column("visitors")

    assert visitors() == [0, 1]
    assert visitors(firm_id=red.id) == [0, 1]  # was [3, 4]: the blues counted as visitors
    assert visitors(firm_id=blue.id) == [0, 0]
    assert visitors(pgy=1) == [0, 0]  # was [1, 1]
    check_everywhere(*OCTOBER, firm_ids=(red.id, blue.id))


# ----------------------------------------------------------------------------- finding 5


def test_a_check_in_to_an_overlapping_session_is_refused_but_a_coordinator_can_mark(
    clock, live_session, make_session, resident, coordinator
):
    first = live_session(title="Grand Rounds")
    second = make_session(on=SESSION_DAY, start=time(10, 30), title="Intern Report")
    checkins.check_in(first, resident, code_at(first, STARTS_AT))
    clock.set(STARTS_AT + timedelta(minutes=25))
    with pytest.raises(DomainError) as refused:
        checkins.check_in(second, resident, code_at(second, clock()))
    assert "You are checked in to Grand Rounds (10:00–11:00), which overlaps Intern Report" in (
        refused.value.message
    )
    with pytest.raises(DomainError):
        checkins.check_in_with_code(resident, code_at(second, clock()))
    assert marks.mark_of(second, resident) is None
    # The coordinator can still decide by hand.
    assert marks.set_marks(second, [resident.id], "present", actor=coordinator) == 1
    # A session that does not overlap is fine.
    later = make_session(on=SESSION_DAY, start=time(11, 30), title="Noon")
    clock.set(later.starts_at)
    assert checkins.check_in(later, resident, code_at(later, clock())).created


def test_the_overlap_message_reaches_the_resident_on_the_page(
    client, auth, clock, live_session, make_session, resident
):
    first = live_session(title="Grand Rounds")
    second = make_session(on=SESSION_DAY, start=time(10, 30), title="Intern Report")
    checkins.check_in(first, resident, code_at(first, STARTS_AT))
    db.session.commit()
    clock.set(STARTS_AT + timedelta(minutes=25))
    auth.login(resident.email)
    page = client.post(
        f"/sessions/{second.public_id}/checkin", data={"code": code_at(second, clock())}
    )
    assert page.status_code == 400
    assert "which overlaps Intern Report" in page.get_data(as_text=True)


# ----------------------------------------------------------------------------- finding 6


def test_before_a_session_starts_the_roster_lists_everyone_as_expected(
    client, auth, clock, make_session, make_resident, coordinator
):
    session = make_session(on=SESSION_DAY + timedelta(days=3))
    people = [make_resident(pgy=1) for _ in range(3)]
    roster = rosters.roster(session)
    assert {row.status for row in roster.rows} == {"expected"}
    assert (roster.counts["expected"], roster.counts["absent"]) == (3, 0)
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/roster").get_data(as_text=True)
    assert 'data-count="absent">0<' in page
    assert 'data-count="expected">3<' in page
    assert len(people) == 3


# ----------------------------------------------------------------------------- finding 8


def test_faculty_see_resident_names_as_plain_text_where_they_may_not_open_them(
    client, auth, live_session, make_user, resident, coordinator
):
    from conferences.teaching.models import TeachingSlot

    session = live_session()
    presenter = make_user(roles=("faculty",))
    db.session.add(TeachingSlot(session_id=session.id, role="lecturer", holder_id=presenter.id))
    db.session.commit()
    history = f"/attendance/residents/{resident.id}"

    auth.login(presenter.email)
    page = client.get(f"/sessions/{session.public_id}/roster").get_data(as_text=True)
    assert resident.name in page
    assert f'href="{history}"' not in page
    assert client.get(history).status_code == 403  # the link would have answered 403
    auth.logout()

    auth.login(coordinator.email)
    page = client.get(f"/sessions/{session.public_id}/roster").get_data(as_text=True)
    assert f'href="{history}"' in page


# ----------------------------------------------------------------------------- finding 9


def test_one_percentage_format_on_pages_and_exports_and_an_exact_threshold(
    client, auth, clock, make_user, make_resident, make_session
):
    assert rules.format_percent(100 / 143) == "69.9 %"
    assert rules.below_threshold(100 / 143, 70)
    assert rules.below_threshold(699 / 1000, 70)
    assert not rules.below_threshold(0.7, 70)  # the float is 0.69999999999999995...
    assert not rules.below_threshold(0.7, 70)
    assert not rules.below_threshold(7 / 10, 70)
    resident = make_resident(pgy=1, name="Tess Third")
    sessions = [make_session(on=date(2026, 10, d)) for d in (5, 6, 7)]
    for session in sessions[:2]:
        _mark(session, resident, "present")
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.commit()
    auth.login("coord@example.test")
    args = "start=2026-10-01&end=2026-10-31"
    page = client.get(f"/reports/residents?{args}").get_data(as_text=True)
    assert "66.6 %" in page  # 2 of 3: one decimal, rounded down, as in the CSV
    assert "66 %" not in page
    exported = client.get(f"/reports/export/residents.csv?{args}").data.decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(exported)))
    assert row["Rate (%)"] == "66.6"
    own = client.get(f"/reports/residents/{resident.id}?{args}").get_data(as_text=True)
    assert "66.6 %" in own


# ----------------------------------------------------------------------------- finding 10


def test_after_a_refused_mark_the_roster_search_still_goes_to_the_roster(
    client, auth, live_session, resident, coordinator
):
    session = live_session()
    db.session.commit()
    auth.login(coordinator.email)
    refused = client.post(
        f"/sessions/{session.public_id}/roster/marks", data={"mark": "present", "reason": ""}
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Select at least one resident" in html
    search = re.search(r'<form method="get" action="([^"]+)"[^>]*role="search"', html)
    assert search, "the search form names its address"
    answer = client.get(search.group(1), query_string={"q": resident.name})
    assert answer.status_code == 200  # was 405: the form sent GET to /roster/marks
    assert resident.name in answer.get_data(as_text=True)


# ----------------------------------------------------------------------------- finding 12


def test_a_back_dated_session_is_expected_of_no_one_until_attendance_is_recorded(
    clock, make_resident, make_session, make_user
):
    coordinator = make_user(roles=("coordinator",))
    resident = make_resident(pgy=1)
    held = make_session(on=date(2026, 10, 5))
    _mark(held, resident, "present")
    # Entered today for a date already past (created after it ended): nobody missed it.
    backdated = [
        make_session(on=date(2026, 10, d), created_at=timeutil.now_utc()) for d in (6, 7, 8)
    ]
    assert rules.is_backdated(backdated[0].created_at, backdated[0].ends_at)
    assert _totals(resident) == (1, 1, 0)  # was (4, 1, 0): 25 % from a new series
    assert rules.resident_status(backdated[0], resident).status == rules.Status.NOT_COUNTED
    assert rules.expected_resident_ids(backdated[0]) == set()
    view = overview(Filters(*OCTOBER))
    assert session_table(view).column("counted") == [
        "yes",
        "not recorded",
        "not recorded",
        "not recorded",
    ]
    # Once attendance is recorded for one of them (a roster mark), it counts for everyone.
    other = make_resident(pgy=1)
    marks.set_marks(backdated[0], [other.id], "present", actor=coordinator)
    assert _totals(resident) == (2, 1, 0)
    assert rules.resident_status(backdated[0], resident).status == rules.Status.MISSED
    check_everywhere(*OCTOBER)


def test_back_dated_series_sessions_are_not_counted_as_missed(clock, make_resident, make_series):
    from conferences.schedule import series_changes

    resident = make_resident(pgy=1)
    series = make_series(
        title="New series",
        required=True,
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 11, 30),
        weekdays=[1],
    )
    created = series_changes.generate_sessions(series, actor=None).created
    past = [s for s in created if s.ends_at < timeutil.now_utc()]
    assert past
    expected, attended, _ = evaluate(date(2026, 10, 1), date(2026, 11, 30)).totals_by_resident()[
        resident.id
    ]
    assert (expected, attended) == (0, 0)
    assert db.session.scalars(select(Attendance)).first() is None
