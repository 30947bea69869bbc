"""Wording people tripped over: what an excusal covers, and whose sessions a report lists."""

from __future__ import annotations

from datetime import date

from conferences.attendance.models import Excusal
from conferences.extensions import db
from conferences.reports.resident import excusal_covers


def test_a_date_range_excusal_covers_every_session_in_its_dates_not_zero_sessions():
    assert excusal_covers(0) == "Every session in these dates"
    assert excusal_covers(1) == "1 listed session"
    assert excusal_covers(3) == "3 listed sessions"


def test_resident_report_names_the_resident_and_shows_what_an_excusal_covers(
    clock, client, auth, make_user, make_resident
):
    resident = make_resident(name="Rex Resident")
    make_user(roles=("coordinator",), email="coord@example.test")
    db.session.add(
        Excusal(
            resident_id=resident.id,
            starts_on=date(2026, 11, 2),
            ends_on=date(2026, 11, 3),
            reason="illness",
            status="approved",
        )
    )
    db.session.commit()
    auth.login("coord@example.test")

    page = client.get(f"/reports/residents/{resident.id}").text

    assert "Every session Rex Resident is in the audience of" in page
    assert "(this resident)" not in page
    assert "Every session in these dates" in page
    assert "Sessions listed" not in page
