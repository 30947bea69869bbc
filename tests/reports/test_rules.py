"""The attendance rules on hand-built cases: expected, excused, attended, rate."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from conferences.attendance import rules
from conferences.attendance.evaluation import evaluate
from conferences.attendance.models import Attendance, Excusal, ExcusalSession
from conferences.extensions import db
from conferences.program.services import get_settings

DAY = date(2026, 10, 6)  # a Tuesday before the test clock's "now" (2026-11-04)


@pytest.fixture
def mark(app_ctx):
    def make(session, resident, value: str) -> Attendance:
        row = Attendance(
            session_id=session.id, resident_id=resident.id, mark=value, source="manual"
        )
        db.session.add(row)
        db.session.flush()
        return row

    return make


def _resident_totals(resident, start=date(2026, 7, 1), end=date(2026, 11, 30)):
    evaluation = evaluate(start, end)
    return evaluation.totals_by_resident()[resident.id]


def test_late_counts_or_not_by_program_setting(clock, make_resident, make_session, mark):
    resident = make_resident(pgy=1)
    present = make_session(on=DAY)
    late = make_session(on=date(2026, 10, 7))
    make_session(on=date(2026, 10, 8))  # no mark: missed
    mark(present, resident, "present")
    mark(late, resident, "late")

    get_settings().late_counts_as_attended = True
    db.session.flush()
    assert _resident_totals(resident) == (3, 2, 0)
    assert rules.resident_status(late, resident).status == rules.Status.ATTENDED

    get_settings().late_counts_as_attended = False
    db.session.flush()
    assert _resident_totals(resident) == (3, 1, 0)
    assert rules.resident_status(late, resident).status == rules.Status.MISSED
    assert rules.rate(1, 3) == pytest.approx(1 / 3)


def test_cancelled_optional_and_future_sessions_do_not_count(
    clock, make_resident, make_session, mark
):
    resident = make_resident(pgy=1)
    counted = make_session(on=DAY)
    cancelled = make_session(on=date(2026, 10, 7), status="cancelled")
    optional = make_session(on=date(2026, 10, 8), required=False)
    future = make_session(on=date(2026, 11, 20))
    for session in (counted, cancelled, optional):
        mark(session, resident, "present")

    assert _resident_totals(resident) == (1, 1, 0)
    assert rules.expected_resident_ids(cancelled) == set()
    assert rules.expected_resident_ids(optional) == set()
    assert rules.expected_resident_ids(future) == {resident.id}
    assert rules.resident_status(optional, resident).status == rules.Status.NOT_COUNTED
    assert rules.resident_status(cancelled, resident).status == rules.Status.NOT_COUNTED
    assert rules.resident_status(future, resident).status == rules.Status.UPCOMING
    evaluation = evaluate(date(2026, 7, 1), date(2026, 11, 30))
    assert evaluation.upcoming_expected_by_resident()[resident.id] == 1


def test_visitor_is_shown_but_not_counted(clock, make_resident, make_session, mark):
    intern = make_resident(pgy=1)
    senior = make_resident(pgy=3)
    intern_report = make_session(on=DAY, audience={"pgy": [1]})
    mark(intern_report, senior, "present")

    statuses = {s.resident_id: s for s in rules.session_statuses(intern_report)}
    assert statuses[senior.id].in_audience is False
    assert statuses[senior.id].status == rules.Status.VISITOR
    assert statuses[intern.id].status == rules.Status.MISSED
    assert _resident_totals(senior) == (0, 0, 0)
    assert _resident_totals(intern) == (1, 0, 0)


def test_excused_mark_and_excusals_remove_the_session_from_expected(
    clock, make_resident, make_session, mark
):
    marked, ranged, listed, other = (make_resident(pgy=2) for _ in range(4))
    session = make_session(on=DAY)
    next_day = make_session(on=date(2026, 10, 7))
    mark(session, marked, "excused")
    db.session.add(
        Excusal(
            resident_id=ranged.id,
            starts_on=DAY,
            ends_on=DAY,
            reason="illness",
            status="approved",
            requested_by_id=ranged.id,
        )
    )
    only_next = Excusal(
        resident_id=listed.id,
        starts_on=date(2026, 10, 7),
        ends_on=date(2026, 10, 7),
        reason="family",
        status="approved",
        requested_by_id=listed.id,
    )
    only_next.session_rows = [ExcusalSession(session_id=next_day.id)]
    db.session.add(only_next)
    # Pending and denied requests excuse nothing.
    for status in ("pending", "denied"):
        db.session.add(
            Excusal(
                resident_id=other.id,
                starts_on=DAY,
                ends_on=DAY,
                reason="other",
                status=status,
                requested_by_id=other.id,
            )
        )
    db.session.flush()

    assert rules.excused_resident_ids(session) == {marked.id, ranged.id}
    assert rules.excused_resident_ids(next_day) == {listed.id}
    assert rules.expected_resident_ids(session) == {listed.id, other.id}
    excuses = rules.excuses_for(session)
    assert excuses[marked.id].kind == rules.ExcuseKind.MARK
    assert excuses[ranged.id].kind == rules.ExcuseKind.EXCUSAL

    evaluation = evaluate(DAY, date(2026, 10, 7))
    assert evaluation.expected[session.id] == {listed.id, other.id}
    assert evaluation.expected[next_day.id] == {marked.id, ranged.id, other.id}


def test_below_threshold_agrees_with_exact_fractions():
    """The quick float comparison far from the threshold and the exact one near it give
    the answer exact arithmetic gives, for every rate of up to 300 sessions."""
    for expected in range(1, 301):
        for attended in range(expected + 1):
            value = rules.rate(attended, expected)
            for threshold in (0, 1, 33, 50, 66.5, 70, 75, 80, 100):
                exact = Fraction(attended, expected) * 100 < Fraction(threshold)
                assert rules.below_threshold(value, threshold) == exact, (
                    attended,
                    expected,
                    threshold,
                )
