"""300 residents checking in within seconds, through a real threaded server, on each backend."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from conferences import timeutil
from conferences.attendance import checkin as codes
from conferences.attendance.models import Attendance, AttendanceChange
from conferences.extensions import db
from conferences.schedule.models import Session
from tests.attendance.burst import burst, create_burst_fixture, login_all
from tests.support.liveserver import LiveServer

RESIDENTS = 300


@pytest.mark.slow
def test_burst_of_300_check_ins_records_each_exactly_once(app):
    with app.app_context():
        public_id, emails = create_burst_fixture(RESIDENTS)
        secret = db.session.scalar(
            select(Session.checkin_secret).where(Session.public_id == public_id)
        )
        db.session.remove()

    def code() -> str:
        return codes.current_code(secret, timeutil.now_utc())

    with LiveServer(app) as server:
        browsers = login_all(server.url, emails, workers=16)
        result = burst(browsers, public_id, code, workers=16)
        # Everyone again: all "already checked in", nothing new written.
        again = burst(browsers[:50], public_id, code, workers=16)

    assert result.errors == []
    assert result.ok == RESIDENTS
    assert again.errors == []
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Attendance))
        residents = db.session.scalar(select(func.count(func.distinct(Attendance.resident_id))))
        audits = db.session.scalar(select(func.count()).select_from(AttendanceChange))
        flagged = db.session.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.flagged)
        )
    assert (rows, residents, audits, flagged) == (RESIDENTS, RESIDENTS, RESIDENTS, 0)
