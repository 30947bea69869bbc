"""Program settings, yearly attendance thresholds, firms and tracks."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from conferences.audit.models import AuditEvent
from conferences.extensions import db
from conferences.people.models import Firm, Track
from conferences.program.services import get_settings, threshold_for

SETTINGS = {
    "name": "Hopkins Medicine Residency",
    "release_cutoff_days": "10",
    "late_counts_as_attended": "",
    "checkin_opens_minutes": "20",
    "checkin_grace_minutes": "5",
    "checkin_closes_minutes": "30",
    "claim_window_days": "3",
    "reminder_days_before": "1",
    "change_alert_hours": "24",
}


def test_settings_page_shows_the_zone_read_only(admin_client):
    page = admin_client.get("/admin/settings").text
    assert 'value="America/New_York" readonly' in page
    assert 'name="zone"' not in page  # not a form field: it cannot be posted


def test_admin_changes_settings(admin_client, accounts):
    response = admin_client.post("/admin/settings", data=SETTINGS)
    assert response.status_code == 303
    db.session.expire_all()
    settings = get_settings()
    assert settings.name == "Hopkins Medicine Residency"
    assert settings.release_cutoff_days == 10
    assert settings.late_counts_as_attended is False
    assert (
        settings.checkin_opens_minutes,
        settings.checkin_grace_minutes,
        settings.checkin_closes_minutes,
    ) == (20, 5, 30)
    assert (settings.claim_window_days, settings.reminder_days_before) == (3, 1)
    assert settings.change_alert_hours == 24
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "settings_changed"))
    assert event.actor_id == accounts["admin"].id
    assert event.after["release_cutoff_days"] == 10


def test_bad_settings_are_refused_and_nothing_changes(admin_client):
    before = get_settings().checkin_closes_minutes
    db.session.commit()
    response = admin_client.post(
        "/admin/settings", data={**SETTINGS, "checkin_grace_minutes": "60"}
    )
    assert response.status_code == 200
    assert "The grace period must end before check-in closes." in response.text
    response = admin_client.post("/admin/settings", data={**SETTINGS, "claim_window_days": "-1"})
    assert "Use a number from 0 to 365." in response.text
    response = admin_client.post("/admin/settings", data={**SETTINGS, "change_alert_hours": "999"})
    assert "Use a number from 0 to 336." in response.text
    db.session.expire_all()
    assert get_settings().checkin_closes_minutes == before


def test_next_years_threshold_leaves_this_years_alone(admin_client, clock):
    clock.set(datetime(2026, 11, 4, 15, 0, tzinfo=UTC))  # academic year 2026–27
    assert (
        admin_client.post(
            "/admin/settings/threshold", data={"start_year": "2026", "percent": "75"}
        ).status_code
        == 303
    )
    assert (
        admin_client.post(
            "/admin/settings/threshold", data={"start_year": "2027", "percent": "80"}
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert (threshold_for(2026), threshold_for(2027), threshold_for(2025)) == (75, 80, 70)
    page = admin_client.get("/admin/settings").text
    assert "2027–28" in page
    assert "80 %" in page
    assert "75 %" in page


def test_threshold_out_of_range_is_refused(admin_client, clock):
    response = admin_client.post(
        "/admin/settings/threshold", data={"start_year": "2026", "percent": "120"}
    )
    assert response.status_code == 400
    assert threshold_for(2026) == 70
    # Only last, this and next academic year can be set from the page.
    response = admin_client.post(
        "/admin/settings/threshold", data={"start_year": "2031", "percent": "50"}
    )
    assert response.status_code == 400
    assert threshold_for(2031) == 70


def test_firms_and_tracks_add_rename_retire(admin_client, accounts):
    assert "No firms yet" in admin_client.get("/admin/firms-and-tracks").text
    admin_client.post("/admin/firms-and-tracks/firm/new", data={"new-firm-name": " Osler "})
    admin_client.post("/admin/firms-and-tracks/track/new", data={"new-track-name": "Categorical"})
    firm = db.session.scalar(select(Firm))
    track = db.session.scalar(select(Track))
    assert (firm.name, track.name) == ("Osler", "Categorical")

    response = admin_client.post(
        "/admin/firms-and-tracks/firm/new", data={"new-firm-name": "osler"}, follow_redirects=True
    )
    assert "There is already a firm called osler." in response.text
    admin_client.post(f"/admin/firms-and-tracks/firm/{firm.id}/rename", data={"name": "Osler East"})
    admin_client.post(f"/admin/firms-and-tracks/track/{track.id}/active", data={"active": "0"})
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Firm.id))) == 1
    assert db.session.get(Firm, firm.id).name == "Osler East"
    assert db.session.get(Track, track.id).active is False
    # A retired track is not offered for new people.
    assert ">Categorical</option>" not in admin_client.get("/admin/people/new").text
    admin_client.post(f"/admin/firms-and-tracks/track/{track.id}/active", data={"active": "1"})
    db.session.expire_all()
    assert db.session.get(Track, track.id).active is True
    assert ">Categorical</option>" in admin_client.get("/admin/people/new").text
    assert admin_client.post("/admin/firms-and-tracks/bogus/new", data={}).status_code == 404
