"""One table says who may reach every route; the test walks the URL map against it.

For each role (anonymous, resident, faculty, coordinator, admin) every GET is tried, and
every POST by a role that must be refused is sent too: the refusal must be a redirect to
sign-in (anonymous) or 403/404, and nothing in the database may change. A route missing
from the table fails the suite, so no new page can be forgotten.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from conferences import timeutil
from conferences.attendance.models import AttendanceClaim, Excusal
from conferences.attendance.recordings import SessionRecording
from conferences.audit.models import AuditEvent
from conferences.extensions import db
from conferences.feeds.subscriptions import feed_token
from conferences.materials.models import Material, RecordingFile
from conferences.program.services import get_settings
from conferences.rotations.models import RotationAssignment, RotationType
from conferences.schedule.models import Holiday, ScheduleImport, SeriesRemovedDate
from conferences.storage import storage
from conferences.teaching.models import TeachingSlot

ANON, RESIDENT, FACULTY, COORDINATOR, ADMIN = (
    "anonymous",
    "resident",
    "faculty",
    "coordinator",
    "admin",
)
ROLES = (ANON, RESIDENT, FACULTY, COORDINATOR, ADMIN)

EVERYONE = frozenset(ROLES)  # no sign-in needed
SIGNED_IN = frozenset({RESIDENT, FACULTY, COORDINATOR, ADMIN})
RESIDENTS = frozenset({RESIDENT})
TEACHERS = frozenset({RESIDENT, FACULTY, COORDINATOR, ADMIN})
FACULTY_ONLY = frozenset({FACULTY})
COORDINATORS = frozenset({COORDINATOR, ADMIN})
ADMINS = frozenset({ADMIN})
# Only residents who attended a past session may rate it; only a slot's holder may ask to be
# released. Nobody in this test world qualifies (the domain tests cover the people who do).
NOBODY_HERE: frozenset[str] = frozenset()
# Object-level: reachable by coordinators; for others it depends on the object (covered by
# the domain tests); here the test person does not own the object, so they are refused.
COORDINATORS_OR_OWNER = COORDINATORS

# endpoint -> who may use it. Keep in step with the URL map (the last test checks).
ACCESS: dict[str, frozenset[str]] = {
    "static": EVERYONE,
    "healthz": EVERYONE,
    "auth.login": EVERYONE,
    "auth.logout": SIGNED_IN,
    "auth.change_password": SIGNED_IN,
    "auth.change_alerts": SIGNED_IN,
    "auth.sign_out_everywhere": SIGNED_IN,  # ends the session: checked apart, like logout
    "auth.login_oidc": EVERYONE,
    "auth.oidc_callback": EVERYONE,
    "home.index": SIGNED_IN,
    # people / admin
    "people.list_users": ADMINS,
    "people.create_user": ADMINS,
    "people.edit_user": ADMINS,
    "people.deactivate_user": ADMINS,
    "people.reactivate_user": ADMINS,
    "people.reset_password": ADMINS,
    "people.firms_and_tracks": ADMINS,
    "people.add_group": ADMINS,
    "people.rename_group": ADMINS,
    "people.set_track_years": ADMINS,
    "people.set_group_active": ADMINS,
    "people.settings": ADMINS,
    "people.set_threshold": ADMINS,
    "people.import_roster": ADMINS,
    "people.apply_roster": ADMINS,
    "notifications.outbox": ADMINS,
    # schedule
    "schedule.calendar": SIGNED_IN,
    "schedule.view_session": SIGNED_IN,
    "schedule.my_schedule": RESIDENTS,
    "schedule.list_series": COORDINATORS,
    "rollforward.page": COORDINATORS,
    "rollforward.undo": COORDINATORS,
    "schedule.new_series": COORDINATORS,
    "schedule.edit_series": COORDINATORS,
    "schedule.generate_series": COORDINATORS,
    "schedule.restore_series_date": COORDINATORS,
    "schedule.delete_series": COORDINATORS,
    "schedule.new_session": COORDINATORS,
    "schedule.edit_session": COORDINATORS,
    "schedule.move_session": COORDINATORS,
    "schedule.cancel_session": COORDINATORS,
    "bulk.cancel_days": COORDINATORS,
    "bulk.move_remaining": COORDINATORS,
    "schedule.restore_session": COORDINATORS,
    "schedule.delete_session": COORDINATORS,
    "schedule.holidays": COORDINATORS,
    "schedule.prefill_holidays": COORDINATORS,
    "schedule.delete_holiday": COORDINATORS,
    "schedule.import_schedule": COORDINATORS,
    "schedule.apply_import": COORDINATORS,
    "schedule.undo_import": COORDINATORS,
    # teaching
    "teaching.open_slots": TEACHERS,
    "teaching.claim_slot": TEACHERS,
    "teaching.release_slot": COORDINATORS_OR_OWNER,
    "teaching.request_release": NOBODY_HERE,
    "teaching.offer_swap": COORDINATORS_OR_OWNER,
    "teaching.withdraw_swap": COORDINATORS_OR_OWNER,
    "teaching.edit_talk": COORDINATORS_OR_OWNER,
    "teaching.my_teaching": SIGNED_IN,
    "teaching.export_record": SIGNED_IN,  # /teaching/mine.csv; see ACCESS_BY_RULE
    "teaching.teaching_record": COORDINATORS_OR_OWNER,
    "teaching.feedback_due": RESIDENTS,
    "teaching.give_feedback": NOBODY_HERE,
    "teaching.needs_teacher": COORDINATORS,
    "teaching.faculty": COORDINATORS,
    "teaching.list_series": COORDINATORS,
    "teaching.series_slots": COORDINATORS,
    "teaching.edit_slot_template": COORDINATORS,
    "teaching.apply_template": COORDINATORS,
    "teaching.manage_slots": COORDINATORS,
    "teaching.add_slot": COORDINATORS,
    "teaching.remove_slot": COORDINATORS,
    "teaching.assign_slot": COORDINATORS,
    "teaching.search_people": COORDINATORS,
    "teaching.unassign_slot": COORDINATORS,
    "teaching.dismiss_release_request": COORDINATORS,
    # attendance
    "attendance.checkin": RESIDENTS,
    "attendance.checkin_remote": RESIDENTS,
    "hybrid.hybrid_settings": ADMINS,
    "participation.participation": COORDINATORS,
    "recordings.set_recording": COORDINATORS,
    # materials: any signed-in person reads; uploading (POST) is the presenter's or a
    # coordinator's (tests/materials covers the presenter)
    "materials.session_materials": SIGNED_IN,
    "materials.download": SIGNED_IN,
    # the uploader, the presenter or a coordinator (tests/materials/test_deletion.py)
    "materials.delete_material": COORDINATORS_OR_OWNER,
    "materials.upload_recording_file": COORDINATORS,
    "materials.recording_file": SIGNED_IN,
    "recordings.claim_recording": RESIDENTS,
    "recordings.claim_queue": COORDINATORS,
    "recordings.decide_claim": COORDINATORS,
    "attendance.confirm_checkin": RESIDENTS,
    "attendance.checked_in": RESIDENTS,
    "attendance.file_claim": RESIDENTS,
    "attendance.checkin_display": COORDINATORS_OR_OWNER,
    "attendance.display_live": COORDINATORS_OR_OWNER,
    "attendance.roster": COORDINATORS_OR_OWNER,
    "attendance.mark_attendance": COORDINATORS,
    "attendance.clear_flag": COORDINATORS,
    "attendance.decide_checkin_request": COORDINATORS,
    "attendance.claim_queue": COORDINATORS,
    "attendance.decide_claim": COORDINATORS,
    "attendance.resident_history": COORDINATORS_OR_OWNER,
    # excusals and rotations
    "excusals.request_excusal": RESIDENTS,
    "excusals.withdraw": COORDINATORS_OR_OWNER,
    "excusals.queue": COORDINATORS,
    "excusals.decide": COORDINATORS,
    "excusals.grant": COORDINATORS,
    "excusals.revoke": COORDINATORS,
    "rotations.index": COORDINATORS,
    "rotations.create_type": COORDINATORS,
    "rotations.edit_type": COORDINATORS,
    "rotations.delete_type": COORDINATORS,
    "rotations.import_blocks": COORDINATORS,
    "rotations.choose_resident": COORDINATORS,
    "rotations.resident_blocks": COORDINATORS_OR_OWNER,
    "rotations.add_block": COORDINATORS,
    "rotations.delete_block": COORDINATORS,
    "rotations.undo_delete_block": COORDINATORS,
    # reports
    "reports.overview": COORDINATORS,
    "reports.residents": COORDINATORS,
    "reports.sessions": COORDINATORS,
    "reports.coverage": COORDINATORS,
    "reports.export": COORDINATORS,
    "reports.resident_detail": COORDINATORS,
    "reports.export_resident": COORDINATORS,
    "reports.resident_residency": COORDINATORS,
    "reports.export_residency": COORDINATORS,
    "reports.session_detail": COORDINATORS,
    "reports.export_session": COORDINATORS,
    "reports.my_attendance": RESIDENTS,
    "reports.export_my_attendance": RESIDENTS,
    # feeds: the private feed is reached by its unguessable token, not by signing in
    "feeds.personal_feed": EVERYONE,
    "feeds.series_feed": EVERYONE,
    "public.program": EVERYONE,  # when the program publishes it (on in this world)
    "feeds.session_ics": EVERYONE,
    "feeds.my_calendar": SIGNED_IN,
    "feeds.set_alarm": SIGNED_IN,
    "feeds.set_blocks": SIGNED_IN,
    "feeds.reset_token": SIGNED_IN,
    "feeds.create_address": SIGNED_IN,
    "feeds.follow_series": SIGNED_IN,
    "feeds.unfollow_series": SIGNED_IN,
}

# Where one endpoint serves two addresses with different rules.
ACCESS_BY_RULE = {"/teaching/people/<int:user_id>/record.csv": COORDINATORS_OR_OWNER}


@pytest.fixture
def world(app_ctx, make_user, make_resident, make_firm, make_track, make_series, make_session):
    """One object of every kind the URLs name, owned by people other than the test users."""
    firm, track = make_firm(), make_track()
    owner = make_resident(pgy=1, firm=firm, track=track, email="owner@example.test")
    teacher = make_user(roles=("faculty",), email="teacher@example.test")
    people = {
        RESIDENT: make_resident(pgy=2, firm=firm, email="resident@example.test"),
        FACULTY: make_user(roles=("faculty",), email="faculty@example.test"),
        COORDINATOR: make_user(roles=("coordinator",), email="coordinator@example.test"),
        ADMIN: make_user(roles=("admin",), email="admin@example.test"),
    }
    series = make_series(public=True, audience={})
    tomorrow = timeutil.local_today() + timedelta(days=1)
    session = make_session(on=tomorrow, series_id=series.id)
    held = TeachingSlot(session_id=session.id, role="lecturer", holder_id=teacher.id)
    db.session.add(held)
    claim = AttendanceClaim(session_id=session.id, resident_id=owner.id, note="I was there")
    excusal = Excusal(
        resident_id=owner.id,
        starts_on=tomorrow,
        ends_on=tomorrow,
        reason="illness",
        requested_by_id=owner.id,
    )
    holiday = Holiday(name="Founders' Day", starts_on=tomorrow, ends_on=tomorrow)
    batch = ScheduleImport(filename="x.csv", created_by_id=people[COORDINATOR].id)
    rotation = RotationType(name="MICU", setting="icu", excuses=True)
    db.session.add_all([claim, excusal, holiday, batch, rotation])
    db.session.flush()
    block = RotationAssignment(
        resident_id=owner.id,
        rotation_type_id=rotation.id,
        start_on=date(2026, 7, 1),
        end_on=date(2026, 7, 28),
    )
    db.session.add(block)
    removal = AuditEvent(
        action="rotation_assignment.delete",
        object_type="rotation_assignments",
        object_id=None,
        before={
            "resident_id": owner.id,
            "rotation_type_id": rotation.id,
            "start_on": "2026-09-01",
            "end_on": "2026-09-28",
        },
    )
    db.session.add(removal)
    db.session.flush()
    db.session.add(SeriesRemovedDate(series_id=series.id, day=date(2026, 11, 11)))
    material = Material(
        session_id=session.id,
        filename="slides.pdf",
        kind="pdf",
        content_type="application/pdf",
        size=9,
        storage_key="0" * 32 + ".pdf",
    )
    storage().save(material.storage_key, b"%PDF-1.7\n")
    db.session.add(material)
    # A recording file on the session (as rows: the service takes only ended sessions).
    video_key = "1" * 32 + ".mp4"
    storage().save(video_key, b"\x00\x00\x00\x18ftypmp42")
    db.session.add(SessionRecording(session_id=session.id, file_key=video_key))
    db.session.add(
        RecordingFile(
            session_id=session.id,
            filename="recording.mp4",
            kind="mp4",
            content_type="video/mp4",
            size=12,
            storage_key=video_key,
        )
    )
    token = feed_token(owner)
    get_settings().public_program = True  # created on first use, before the refused requests
    db.session.commit()
    values = {
        "public_id": session.public_id,
        "slug": series.slug,
        "user_id": owner.id,
        "resident_id": owner.id,
        "series_id": series.id,
        "slot_id": held.id,
        "claim_id": claim.id,
        "material_id": material.id,
        "excusal_id": excusal.id,
        "holiday_id": holiday.id,
        "import_id": batch.id,
        "type_id": rotation.id,
        "block_id": block.id,
        "event_id": removal.id,
        "group_id": firm.id,
        "kind": "firm",
        "token": token,
        "name": "residents",
        "fmt": "csv",
        "filename": "css/app.css",
        "day": "2026-11-11",
    }
    return {"people": {k: v.email for k, v in people.items()}, "values": values}


def _url(app, rule, values) -> str:
    fixed = rule.defaults or {}
    args = {name: values[name] for name in rule.arguments if name not in fixed}
    if rule.endpoint in ("reports.export_resident", "reports.export_my_attendance"):
        args["name"] = "detail"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **args)


def _snapshot() -> dict[str, list]:
    """Every row of every table that a refused request must leave alone."""
    return {
        table.name: sorted(map(repr, db.session.execute(select(table)).all()))
        for table in db.metadata.sorted_tables
        if table.name not in {"change_counters", "feed_subscriptions", "outbox_messages"}
    }


def _refused(role: str, response) -> bool:
    if role == ANON:
        return response.status_code in (302, 401) and "/login" in response.headers.get(
            "Location", "/login"
        )
    return response.status_code in (403, 404)


@pytest.mark.parametrize("role", ROLES)
def test_every_route_admits_exactly_the_roles_in_the_table(app, client, world, role):
    if role != ANON:
        client.post(
            "/login", data={"email": world["people"][role], "password": "correct-horse-battery"}
        )
    problems = []
    # Sign-out ends the session under test; single sign-on answers 404 unless a provider is
    # configured (tests/auth/test_oidc.py drives it against a real one).
    ending = {"auth.logout", "auth.sign_out_everywhere", "auth.login_oidc", "auth.oidc_callback"}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in ending]
    for rule in sorted(rules, key=lambda r: r.rule):
        allowed = role in ACCESS_BY_RULE.get(rule.rule, ACCESS[rule.endpoint])
        url = _url(app, rule, world["values"])
        if "GET" in rule.methods:
            response = client.get(url)
            if allowed and _refused(role, response) and rule.endpoint != "auth.login":
                problems.append(f"{role} refused GET {url} ({response.status_code})")
            if not allowed and not _refused(role, response):
                problems.append(f"{role} ALLOWED GET {url} ({response.status_code})")
        if "POST" in rule.methods and not allowed:
            before = _snapshot()
            response = client.post(url, data={"note": "x", "reason": "x", "mark": "present"})
            db.session.expire_all()
            if not _refused(role, response):
                problems.append(f"{role} ALLOWED POST {url} ({response.status_code})")
            else:
                after = _snapshot()
                changed = [name for name in before if before[name] != after[name]]
                if changed:
                    problems.append(f"{role} refused POST {url} but changed {changed}")
    assert not problems, "\n".join(problems)


def test_the_table_names_every_route(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - ACCESS.keys() == set(), "add new routes to ACCESS"
    assert ACCESS.keys() - endpoints == set(), "remove routes that no longer exist"


def test_logout_needs_sign_in_and_post(client, world):
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
