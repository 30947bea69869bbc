"""Teaching pages through the client: role checks on every route, statuses, nothing changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from conferences.attendance.models import Attendance
from conferences.extensions import db
from conferences.teaching.models import Feedback, SlotTemplate, TeachingSlot

FUTURE = date(2026, 11, 30)
PAST = date(2026, 11, 2)

# Endpoint -> who may use it (roles, or "self" for one's own record).
ACCESS = {
    "teaching.open_slots": {"faculty", "resident", "coordinator"},
    "teaching.claim_slot": {"faculty", "resident", "coordinator"},
    "teaching.release_slot": {"faculty", "resident", "coordinator"},
    "teaching.request_release": {"faculty", "resident", "coordinator"},
    "teaching.offer_swap": {"faculty", "resident", "coordinator"},
    "teaching.withdraw_swap": {"faculty", "resident", "coordinator"},
    "teaching.edit_talk": {"faculty", "resident", "coordinator"},
    "teaching.my_teaching": {"faculty", "resident", "coordinator"},
    "teaching.teaching_record": {"faculty", "resident", "coordinator"},
    "teaching.export_record": {"faculty", "resident", "coordinator"},
    "teaching.needs_teacher": {"coordinator"},
    "teaching.assign_slot": {"coordinator"},
    "teaching.search_people": {"coordinator"},
    "teaching.unassign_slot": {"coordinator"},
    "teaching.dismiss_release_request": {"coordinator"},
    "teaching.series_slots": {"coordinator"},
    "teaching.list_series": {"coordinator"},
    "teaching.edit_slot_template": {"coordinator"},
    "teaching.apply_template": {"coordinator"},
    "teaching.manage_slots": {"coordinator"},
    "teaching.add_slot": {"coordinator"},
    "teaching.remove_slot": {"coordinator"},
    "teaching.faculty": {"coordinator"},
    "teaching.give_feedback": {"resident"},
    "teaching.feedback_due": {"resident"},
    "notifications.outbox": {"admin"},
}


@pytest.fixture
def world(clock, make_user, make_series, make_session, make_slot):
    """A series with a future and a past session, one slot each, people in each role."""
    people = {
        role: make_user(roles=(role,), email=f"{role}@example.test", name=role.title())
        for role in ("faculty", "resident", "coordinator", "admin")
    }
    people["nobody"] = make_user(roles=(), email="nobody@example.test")
    series = make_series()
    future = make_session(on=FUTURE, series_id=series.id)
    past = make_session(on=PAST, series_id=series.id)
    slot = make_slot(session=future)
    make_slot(session=past, holder=people["faculty"])
    db.session.commit()
    return {"people": people, "series": series, "future": future, "past": past, "slot": slot}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("teaching", "notifications"):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method


def build(rule, world, user_id):
    values = {
        "slot_id": world["slot"].id,
        "series_id": world["series"].id,
        "public_id": world["future"].public_id,
        "user_id": user_id,
    }
    path = rule.rule
    for name in rule.arguments:
        path = path.replace(f"<int:{name}>", str(values[name])).replace(
            f"<{name}>", str(values[name])
        )
    return path


def test_access_table_covers_every_route(app):
    assert {rule.endpoint for rule, _m in routes(app)} == set(ACCESS)


def test_anonymous_is_sent_to_login_everywhere(app, client, world):
    for rule, method in routes(app):
        response = client.open(build(rule, world, 1), method=method)
        assert response.status_code == 302, rule.rule
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["nobody", "resident", "faculty", "coordinator", "admin"])
def test_roles_are_checked_on_every_route(app, client, auth, world, role):
    """Everyone outside an endpoint's roles gets 403 and nothing changes."""
    person = world["people"][role]
    auth.login(person.email)
    before = db.session.scalars(select(TeachingSlot.holder_id).order_by(TeachingSlot.id)).all()
    for rule, method in routes(app):
        allowed = ACCESS[rule.endpoint]
        roles = {role} | ({"coordinator"} if role == "admin" else set())
        if roles & allowed:
            continue
        response = client.open(build(rule, world, person.id), method=method)
        assert response.status_code == 403, (role, method, rule.rule)
    db.session.expire_all()
    after = db.session.scalars(select(TeachingSlot.holder_id).order_by(TeachingSlot.id)).all()
    assert before == after
    assert db.session.scalars(select(SlotTemplate)).all() == []


def test_teaching_record_of_someone_else_needs_coordinator(client, auth, world):
    faculty = world["people"]["faculty"]
    auth.login("resident@example.test")
    assert client.get(f"/teaching/people/{faculty.id}/record").status_code == 403
    assert client.get(f"/teaching/people/{faculty.id}/record.csv").status_code == 403
    auth.logout()
    auth.login("coordinator@example.test")
    page = client.get(f"/teaching/people/{faculty.id}/record")
    assert page.status_code == 200
    assert "Teaching record: Faculty" in page.text
    export = client.get(f"/teaching/people/{faculty.id}/record.csv")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    assert "teaching-record-faculty.csv" in export.headers["Content-Disposition"]


def test_coordinator_pages_render(client, auth, world):
    auth.login("coordinator@example.test")
    series, future = world["series"], world["future"]
    for path in (
        "/teaching/needs-teacher",
        "/teaching/needs-teacher?weeks=8",
        "/teaching/faculty",
        "/teaching/series",
        f"/teaching/series/{series.id}",
        f"/teaching/series/{series.id}?all=1",
        f"/teaching/series/{series.id}/template",
        f"/teaching/sessions/{future.public_id}",
        f"/teaching/slots/{world['slot'].id}/assign",
    ):
        assert client.get(path).status_code == 200, path


def test_faculty_claims_then_releases_through_the_pages(client, auth, world):
    slot = world["slot"]
    auth.login("faculty@example.test")
    page = client.get("/teaching/open")
    assert page.status_code == 200
    assert f"/teaching/slots/{slot.id}/claim" in page.text
    response = client.post(f"/teaching/slots/{slot.id}/claim")
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder.email == "faculty@example.test"
    mine = client.get("/teaching/mine")
    assert world["future"].title in mine.text
    assert client.post(f"/teaching/slots/{slot.id}/release").status_code == 303
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id is None


def test_claim_refusals_have_clear_messages_and_statuses(
    clock, client, auth, world, make_session, make_slot
):
    slot = world["slot"]
    resident_slot = make_slot(session=world["future"], eligibility="resident")
    cancelled = make_slot(session=make_session(on=FUTURE, status="cancelled"))
    db.session.commit()
    auth.login("faculty@example.test")
    response = client.post(f"/teaching/slots/{resident_slot.id}/claim")
    assert response.status_code == 403
    assert "for residents only" in response.text
    response = client.post(f"/teaching/slots/{cancelled.id}/claim")
    assert response.status_code == 409
    assert "cancelled" in response.text
    client.post(f"/teaching/slots/{slot.id}/claim")
    auth.logout()
    auth.login("coordinator@example.test")  # not eligible: coordinators only assign
    assert client.post(f"/teaching/slots/{slot.id}/claim").status_code == 403
    db.session.expire_all()
    assert db.session.get(TeachingSlot, resident_slot.id).holder_id is None
    assert db.session.get(TeachingSlot, cancelled.id).holder_id is None
    assert db.session.get(TeachingSlot, slot.id).holder.email == "faculty@example.test"


def test_release_after_cutoff_offers_request_instead(clock, client, auth, world):
    slot = world["slot"]
    auth.login("faculty@example.test")
    client.post(f"/teaching/slots/{slot.id}/claim")
    clock.set(datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    response = client.post(f"/teaching/slots/{slot.id}/release")
    assert response.status_code == 409
    assert "cut-off" in response.text
    mine = client.get("/teaching/mine").text
    assert "Ask to be released" in mine
    form = client.get(f"/teaching/slots/{slot.id}/request-release")
    assert form.status_code == 200
    response = client.post(
        f"/teaching/slots/{slot.id}/request-release", data={"note": "Conference abroad"}
    )
    assert response.status_code == 303
    auth.logout()
    auth.login("coordinator@example.test")
    page = client.get("/teaching/needs-teacher")
    assert "Conference abroad" in page.text
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder.email == "faculty@example.test"
    assert client.post(f"/teaching/slots/{slot.id}/unassign").status_code == 303
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).holder_id is None


def test_cannot_edit_someone_elses_talk(client, auth, world, make_user, make_slot):
    other = make_user(roles=("faculty",), email="other@example.test")
    slot = make_slot(session=world["future"], holder=other, talk_title="Mine")
    db.session.commit()
    auth.login("faculty@example.test")
    assert client.get(f"/teaching/slots/{slot.id}/talk").status_code == 403
    response = client.post(f"/teaching/slots/{slot.id}/talk", data={"talk_title": "Hijacked"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).talk_title == "Mine"
    auth.logout()
    auth.login("other@example.test")
    response = client.post(
        f"/teaching/slots/{slot.id}/talk",
        data={"talk_title": "Heart failure", "materials_url": "ftp://nope"},
    )
    assert response.status_code == 200
    assert "starting with https://" in response.text
    response = client.post(
        f"/teaching/slots/{slot.id}/talk",
        data={"talk_title": "Heart failure", "abstract": "GDMT", "materials_url": "https://s.test"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(TeachingSlot, slot.id).talk_title == "Heart failure"


def test_coordinator_template_apply_add_remove_assign(client, auth, world):
    series, future = world["series"], world["future"]
    faculty = world["people"]["faculty"]
    auth.login("coordinator@example.test")
    response = client.post(
        f"/teaching/series/{series.id}/template",
        data={
            "rows-0-role": "lecturer",
            "rows-0-eligibility": "faculty",
            "rows-1-role": "case_presenter",
            "rows-1-eligibility": "resident",
            "rows-2-role": "",
            "rows-2-eligibility": "faculty",
        },
    )
    assert response.status_code == 303
    assert client.post(f"/teaching/series/{series.id}/apply-template").status_code == 303
    db.session.expire_all()
    roles = sorted(
        db.session.scalars(
            select(TeachingSlot.role).where(TeachingSlot.session_id == future.id)
        ).all()
    )
    assert roles == ["case_presenter", "lecturer"]  # the existing lecturer slot counted
    response = client.post(
        f"/teaching/sessions/{future.public_id}/slots",
        data={"role": "moderator", "eligibility": "both"},
    )
    assert response.status_code == 303
    moderator = db.session.scalar(select(TeachingSlot).where(TeachingSlot.role == "moderator"))
    response = client.post(f"/teaching/slots/{moderator.id}/assign", data={"user_id": faculty.id})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(TeachingSlot, moderator.id).holder_id == faculty.id
    resident = world["people"]["resident"]
    case = db.session.scalar(select(TeachingSlot).where(TeachingSlot.role == "case_presenter"))
    # Faculty is not offered (nor accepted) for a residents-only slot.
    page = client.get(f"/teaching/slots/{case.id}/assign")
    assert resident.email in page.text
    assert faculty.email not in page.text
    response = client.post(f"/teaching/slots/{case.id}/assign", data={"user_id": faculty.id})
    assert response.status_code == 200  # not a valid choice: form shown again
    assert client.post(f"/teaching/slots/{moderator.id}/remove").status_code == 303
    db.session.expire_all()
    assert db.session.get(TeachingSlot, moderator.id) is None


def test_feedback_form_for_attending_resident(client, auth, world):
    past = world["past"]
    resident = world["people"]["resident"]
    auth.login("resident@example.test")
    assert client.get(f"/teaching/sessions/{past.public_id}/feedback").status_code == 403
    db.session.add(
        Attendance(session_id=past.id, resident_id=resident.id, mark="late", source="checkin")
    )
    db.session.commit()
    assert past.title in client.get("/teaching/feedback").text
    assert client.get(f"/teaching/sessions/{past.public_id}/feedback").status_code == 200
    bad = client.post(f"/teaching/sessions/{past.public_id}/feedback", data={"rating": "9"})
    assert bad.status_code == 400
    ok = client.post(
        f"/teaching/sessions/{past.public_id}/feedback", data={"rating": "4", "comment": "Good"}
    )
    assert ok.status_code == 303
    again = client.post(f"/teaching/sessions/{past.public_id}/feedback", data={"rating": "1"})
    assert again.status_code == 409
    db.session.expire_all()
    assert [f.rating for f in db.session.scalars(select(Feedback))] == [4]


def test_session_panel_shows_presenters_and_claim_button(app, client, auth, world, make_slot):
    from flask import render_template_string
    from flask_login import login_user

    held = make_slot(
        session=world["future"],
        role="discussant",
        holder=world["people"]["coordinator"],
        talk_title="Diuretics",
        materials_url="https://slides.test/d",
    )
    db.session.commit()
    with app.test_request_context("/"):
        login_user(world["people"]["faculty"])
        html = render_template_string(
            '{% include "teaching/_session_panel.html" %}', session=world["future"]
        )
    assert "Diuretics" in html
    assert "https://slides.test/d" in html
    assert f"/teaching/slots/{world['slot'].id}/claim" in html
    assert f"/teaching/slots/{held.id}/claim" not in html


def test_faculty_home_shows_next_teaching_and_open_count(client, auth, world):
    auth.login("faculty@example.test")
    home = client.get("/").text
    assert "You have no teaching scheduled" in home
    assert "upcoming slot still needs someone" in home
    client.post(f"/teaching/slots/{world['slot'].id}/claim")
    home = client.get("/").text
    assert world["future"].title in home
    assert "Every upcoming slot is filled" in home


def test_forged_claim_without_csrf_token_changes_nothing(client, auth, world, csrf_enabled):
    login_page = client.get("/login").text
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post(
        "/login",
        data={
            "email": "faculty@example.test",
            "password": "correct-horse-battery",
            "csrf_token": token,
        },
    )
    response = client.post(f"/teaching/slots/{world['slot'].id}/claim")
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(TeachingSlot, world["slot"].id).holder_id is None
