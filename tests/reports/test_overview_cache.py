"""The report pages' overview is kept per process and revalidated against the database's
``attendance`` change counter: a change that moves the numbers (a mark, an excusal, a
setting, a session starting) shows on the very next request, on this process or another."""

from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta

import pytest
from sqlalchemy import update

from conferences import create_app, timeutil
from conferences.attendance import change_counter
from conferences.attendance.checkins import record_checkin
from conferences.attendance.excusals import grant_excusal, reason_choices
from conferences.attendance.marks import set_marks
from conferences.attendance.models import Attendance
from conferences.extensions import db
from conferences.program.services import get_settings
from conferences.reports.filters import Filters
from conferences.reports.overview import overview
from conferences.reports.overview_cache import OverviewCache, cache, estimated_bytes
from tests.conftest import make_test_config

ARGS = "start=2026-07-01&end=2027-06-30"
YEAR = Filters(date(2026, 7, 1), date(2027, 6, 30))


def _numbers(client) -> dict[str, tuple[int, int, int]]:
    """Resident -> (expected, attended, excused), as the residents export gives them."""
    response = client.get(f"/reports/export/residents.csv?{ARGS}")
    assert response.status_code == 200
    rows = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    return {
        row["Resident"]: (int(row["Expected"]), int(row["Attended"]), int(row["Excused"]))
        for row in rows
    }


def _fresh() -> dict[str, tuple[int, int, int]]:
    """The same numbers worked out now, without any cache."""
    view = overview(YEAR)
    return {line.name: (line.expected, line.attended, line.excused) for line in view.residents}


def test_a_change_shows_on_the_next_request(
    clock, make_resident, make_session, make_user, client, auth
):
    ada = make_resident(name="Ada Able")
    ben = make_resident(name="Ben Bright")
    coordinator = make_user(roles=("coordinator",), email="coord@example.test")
    first = make_session(on=date(2026, 10, 5))
    second = make_session(on=date(2026, 10, 6))
    # Starts tomorrow at noon (the clock says 4 November, 15:00 UTC).
    upcoming = make_session(on=date(2026, 11, 5))
    db.session.commit()
    auth.login("coord@example.test")

    assert _numbers(client) == {"Ada Able": (2, 0, 0), "Ben Bright": (2, 0, 0)}
    hits = cache().hits
    assert _numbers(client) == {"Ada Able": (2, 0, 0), "Ben Bright": (2, 0, 0)}
    assert cache().hits == hits + 1  # nothing changed: kept, not worked out again

    # A mark.
    set_marks(first, [ada.id], "present", actor=coordinator)
    db.session.commit()
    assert _numbers(client) == {"Ada Able": (2, 1, 0), "Ben Bright": (2, 0, 0)} == _fresh()

    # An excusal.
    grant_excusal(ben, actor=coordinator, reason=reason_choices()[0][0], session_ids=[second.id])
    db.session.commit()
    assert _numbers(client) == {"Ada Able": (2, 1, 0), "Ben Bright": (1, 0, 1)} == _fresh()

    # A setting: late no longer counts as attended.
    set_marks(second, [ada.id], "late", actor=coordinator)
    db.session.commit()
    assert _numbers(client)["Ada Able"] == (2, 2, 0)
    get_settings().late_counts_as_attended = False
    db.session.commit()
    assert _numbers(client) == {"Ada Able": (2, 1, 0), "Ben Bright": (1, 0, 1)} == _fresh()

    # Time: the upcoming session starts, and is held from then on (no change in the data).
    clock.set(upcoming.starts_at + timedelta(minutes=1))
    assert _numbers(client) == {"Ada Able": (3, 1, 0), "Ben Bright": (2, 0, 1)} == _fresh()
    # And a clock set back before it: not held again.
    clock.set(upcoming.starts_at - timedelta(minutes=1))
    assert _numbers(client) == {"Ada Able": (2, 1, 0), "Ben Bright": (1, 0, 1)}


def test_a_change_made_by_another_process_shows_on_the_next_request(
    app, database_url, tmp_path, clock, make_resident, make_session, make_user, client, auth
):
    ada = make_resident(name="Ada Able")
    make_user(roles=("coordinator",), email="coord@example.test")
    held = make_session(on=date(2026, 10, 5))
    db.session.commit()
    session_id, resident_id = held.id, ada.id
    auth.login("coord@example.test")
    assert _numbers(client) == {"Ada Able": (1, 0, 0)}
    db.session.close()  # (SQLite: no read transaction left open while the other writes)

    # Another server process (its own app, engine and caches) on the same database.
    other = create_app(make_test_config(database_url, str(tmp_path)))
    try:
        with other.app_context():
            db.session.add(
                Attendance(
                    session_id=session_id, resident_id=resident_id, mark="present", source="x"
                )
            )
            db.session.commit()
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
    assert _numbers(client) == {"Ada Able": (1, 1, 0)}


def test_the_counter_moves_with_each_kind_of_write_and_only_then(
    app_ctx, clock, make_resident, make_session, make_user
):
    ada = make_resident(name="Ada Able")
    staff = make_user(roles=("faculty",))
    session = make_session(on=date(2026, 10, 5))
    now = timeutil.to_local(timeutil.now_utc())
    noon = make_session(on=now.date(), start=now.time())
    db.session.commit()

    def moves(change) -> int:
        """How far the counter moves when ``change()`` is made and committed."""
        before = change_counter.current_value()
        change()
        db.session.commit()
        return change_counter.current_value() - before

    # Objects flushed.
    assert (
        moves(
            lambda: db.session.add(
                Attendance(session_id=session.id, resident_id=ada.id, mark="absent", source="x")
            )
        )
        == 1
    )

    # Statements: one bump per transaction, however many.
    def two_updates():
        db.session.execute(update(Attendance).values(mark="present"))
        db.session.execute(update(Attendance.__table__).values(mark="late"))

    assert moves(two_updates) == 1

    # A check-in (an insert statement on the table, not an object).
    assert moves(lambda: record_checkin(noon, ada)) == 1

    # A session moved.
    def move():
        session.starts_at = timeutil.localize(date(2026, 10, 6), time(12))
        session.ends_at = session.starts_at + timedelta(hours=1)

    assert moves(move) == 1

    # Rolled back: nothing happened.
    def rolled_back():
        db.session.add(
            Attendance(session_id=session.id, resident_id=staff.id, mark="absent", source="x")
        )
        db.session.flush()
        db.session.rollback()

    assert moves(rolled_back) == 0

    # A savepoint rolled back keeps the change made around it.
    def around_a_savepoint():
        ada.start_year = 2024
        with db.session.begin_nested() as savepoint:
            staff.name = "Someone Else"
            db.session.flush()
            savepoint.rollback()

    assert moves(around_a_savepoint) == 1

    # What attendance numbers do not read: a password, a preference.
    def unread():
        ada.set_password("another-horse-battery")
        ada.change_alerts = False

    assert moves(unread) == 0


def test_overviews_are_kept_within_a_byte_bound_without_their_marks(
    app_ctx, clock, make_resident, make_session
):
    ada = make_resident(name="Ada Able")
    held = make_session(on=date(2026, 10, 5))
    db.session.add(Attendance(session_id=held.id, resident_id=ada.id, mark="present", source="x"))
    db.session.commit()
    now = timeutil.now_utc()
    years = [
        Filters(date(2026, 7, 1), date(2027, 6, 30)),
        Filters(date(2026, 9, 1), date(2026, 12, 31)),
    ]
    views = [overview(filters) for filters in years]
    one = estimated_bytes(views[0], views[0].evaluation.mark_count())
    assert one == estimated_bytes(views[1], views[1].evaluation.mark_count())

    store = OverviewCache(max_bytes=one + one // 2)  # room for one
    kept = store.put(years[0], 7, now, views[0])
    # The counts are kept, the marks are not (the report pages read counts only).
    assert kept.evaluation.attended(held.id) == {ada.id}
    assert kept.residents == views[0].residents
    assert kept.evaluation.marks == {}
    with pytest.raises(ValueError, match="counts only"):
        kept.evaluation.status(kept.evaluation.sessions[0], ada.id)
    assert store.get(years[0], 7, now) is kept
    assert store.get(years[0], 8, now) is None  # the counter moved

    store.put(years[1], 7, now, views[1])  # the least recently used goes
    assert (len(store), store.size) == (1, one)
    assert store.get(years[0], 7, now) is None
    assert store.get(years[1], 7, now) is not None

    small = OverviewCache(max_bytes=one - 1)  # larger than the bound: not kept
    small.put(years[0], 7, now, views[0])
    assert (len(small), small.size) == (0, 0)
