"""The public program page: off unless a setting turns it on; public series only; titles,
times and rooms but no video links, descriptions or names."""

from __future__ import annotations

from datetime import time, timedelta

from conferences import timeutil
from conferences.extensions import db
from conferences.program.services import get_settings
from conferences.teaching.models import TeachingSlot


def _publish(on: bool = True) -> None:
    get_settings().public_program = on
    db.session.commit()


def test_program_page_is_off_unless_the_setting_turns_it_on(client, make_series, app_ctx):
    make_series(public=True, title="Grand Rounds")
    db.session.commit()
    assert client.get("/program").status_code == 404
    _publish()
    page = client.get("/program")
    assert page.status_code == 200
    assert "Grand Rounds" in page.text


def test_program_page_lists_public_series_without_private_details(
    client, clock, make_series, make_session, make_resident, make_user
):
    public = make_series(public=True, title="Grand Rounds", slug="grand-rounds")
    private = make_series(public=False, title="Intern Report")
    resident = make_resident(name="Rosa Resident")
    teacher = make_user(roles=("faculty",), name="Dr Paul Presenter")
    soon = make_session(
        on=timeutil.local_today() + timedelta(days=2),
        start=time(8, 0),
        series_id=public.id,
        title="Sepsis update",
        room="Auditorium A",
        video_url="https://video.example.test/secret-room",
        description="Case presented by Rosa Resident",
    )
    make_session(series_id=private.id, title="Intern case")
    make_session(
        on=timeutil.local_today() - timedelta(days=3), series_id=public.id, title="Last week"
    )
    db.session.add(TeachingSlot(session_id=soon.id, role="case_presenter", holder_id=resident.id))
    db.session.add(TeachingSlot(session_id=soon.id, role="lecturer", holder_id=teacher.id))
    _publish()

    page = client.get("/program").text

    assert "Sepsis update" in page
    assert "Auditorium A" in page
    assert "08:00" in page
    assert "Intern Report" not in page
    assert "Intern case" not in page
    assert "Last week" not in page
    assert "video.example.test" not in page
    assert "Rosa Resident" not in page
    assert "Dr Paul Presenter" not in page
    assert "webcal://" in page
    assert "/feeds/series/grand-rounds.ics" in page


def test_settings_page_turns_the_public_program_on(client, auth, make_user):
    admin = make_user(roles=("admin",))
    db.session.commit()
    auth.login(admin.email)
    form = {
        "name": "Medicine",
        "release_cutoff_days": 7,
        "checkin_opens_minutes": 15,
        "checkin_grace_minutes": 10,
        "checkin_closes_minutes": 45,
        "claim_window_days": 7,
        "reminder_days_before": 2,
        "change_alert_hours": 48,
        "public_program": "y",
    }
    assert client.post("/admin/settings", data=form).status_code in (302, 303)
    assert get_settings().public_program is True


def test_the_sign_in_page_links_the_public_program_only_when_it_is_published(client, app_ctx):
    get_settings()
    db.session.commit()
    assert "/program" not in client.get("/login").text
    _publish()
    assert 'href="/program"' in client.get("/login").text
