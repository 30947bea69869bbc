"""A database failure in the middle of a many-row write leaves nothing behind.

The failure is injected at the driver boundary: the N-th INSERT into a chosen table raises
``OperationalError``, as a dropped connection or a full disk would. The request must answer
503 with the "temporarily unavailable" page, and every table must hold what it held before.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from conferences.attendance.models import Attendance
from conferences.extensions import db
from conferences.rotations.models import RotationType
from conferences.schedule.models import Session
from tests.fuzz.conftest import FreshUserClient, row_counts


@contextmanager
def failing_insert(table: str, nth: int):
    """The ``nth`` INSERT into ``table`` (counting executemany batches once) fails."""
    seen = {"inserts": 0}

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()} "):
            seen["inserts"] += 1
            if seen["inserts"] >= nth:
                raise OperationalError(statement, parameters, Exception("injected: disk full"))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def people(make_user, make_resident, clock):
    admin = make_user(roles=("admin",), email="admin@ops.test")
    coordinator = make_user(roles=("coordinator",), email="coord@ops.test")
    residents = [make_resident(pgy=1, email=f"r{n}@ops.test") for n in range(3)]
    db.session.commit()
    return admin, coordinator, residents


@pytest.fixture
def login(app):
    def sign_in(user):
        client = FreshUserClient(app.test_client())
        response = client.post(
            "/login", data={"email": user.email, "password": "correct-horse-battery"}
        )
        assert response.status_code == 302
        return client

    return sign_in


def assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert "Temporarily unavailable" in response.text


SCHEDULE = """date,start,end,title
2026-11-16,12:00,13:00,One
2026-11-17,12:00,13:00,Two
2026-11-18,12:00,13:00,Three
2026-11-19,12:00,13:00,Four
"""


def test_schedule_import_failing_on_the_third_session_writes_nothing(people, login):
    _, coordinator, _ = people
    client = login(coordinator)
    before = row_counts()
    with failing_insert("sessions", 3) as seen:
        response = client.post(
            "/schedule/import/apply", data={"csv_text": SCHEDULE, "filename": "fall.csv"}
        )
    assert seen["inserts"] == 3  # two sessions (and the import record) were already sent
    assert_unavailable(response)
    assert row_counts() == before
    # The same file goes through once the database is back.
    response = client.post(
        "/schedule/import/apply", data={"csv_text": SCHEDULE, "filename": "fall.csv"}
    )
    assert response.status_code == 303
    assert row_counts()["sessions"] == before["sessions"] + 4


ROSTER = """email,name,roles,start_year,track,firm
a@ops.test,Ann,faculty,,,
b@ops.test,Ben,faculty,,,
c@ops.test,Cat,resident,2026,,
"""


def test_roster_import_failing_on_the_second_person_writes_nothing(app, people, login):
    admin, _, _ = people
    client = login(admin)
    token = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="people.roster-import").dumps(
        {"csv": ROSTER}
    )
    before = row_counts()
    with failing_insert("users", 2) as seen:
        response = client.post("/admin/roster/apply", data={"token": token})
    assert seen["inserts"] == 2
    assert_unavailable(response)
    assert row_counts() == before
    response = client.post("/admin/roster/apply", data={"token": token})
    assert response.status_code in (302, 303)
    assert row_counts()["users"] == before["users"] + 3


def test_block_import_failing_after_the_blocks_writes_nothing(people, login):
    _, coordinator, residents = people
    db.session.add(RotationType(name="MICU", setting="icu", excuses=True))
    db.session.commit()
    blocks = "email,rotation,start,end\n" + "".join(
        f"{r.email},MICU,2026-07-01,2026-07-31\n" for r in residents
    )
    client = login(coordinator)
    before = row_counts()
    # The blocks are inserted first; the audit record after them fails.
    with failing_insert("audit_events", 1) as seen:
        response = client.post(
            "/rotations/import", data={"csv_text": blocks, "filename": "b.csv", "confirm": "1"}
        )
    assert seen["inserts"] == 1
    assert_unavailable(response)
    assert row_counts() == before


def test_bulk_mark_failing_on_the_second_resident_writes_nothing(people, login, make_session):
    _, coordinator, residents = people
    session = make_session(on=date(2026, 11, 4), start=time(10, 0))
    db.session.commit()
    client = login(coordinator)
    before = row_counts()
    ids = [r.id for r in residents]
    url = f"/sessions/{session.public_id}/roster/marks"
    with failing_insert("attendance_changes", 2) as seen:
        response = client.post(url, data={"resident_ids": ids, "mark": "present"})
    assert seen["inserts"] >= 2
    assert_unavailable(response)
    assert row_counts() == before
    response = client.post(url, data={"resident_ids": ids, "mark": "present"})
    assert response.status_code == 303
    db.session.rollback()
    assert db.session.query(Attendance).filter_by(session_id=session.id).count() == 3
    assert db.session.get(Session, session.id) is not None
