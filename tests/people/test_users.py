"""Accounts: creating, editing, roles, deactivation, passwords, the people list."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from conferences import timeutil
from conferences.audit.models import AuditEvent
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people import services
from conferences.people.models import Role, User, UserRole
from conferences.program.services import counter_value
from tests.factories import PASSWORD
from tests.people.conftest import count_rows


def _data(**kw) -> services.UserData:
    values = {"email": "new@example.test", "name": "New Person", "roles": {Role.FACULTY}}
    values.update(kw)
    return services.UserData(**values)


def test_email_is_unique_whatever_the_case(app_ctx, accounts):
    user = services.create_user(accounts["admin"], _data(email="Ann.Lee@Example.TEST"))
    assert user.email == "ann.lee@example.test"
    with pytest.raises(DomainError) as caught:
        services.create_user(accounts["admin"], _data(email="ANN.LEE@example.test"))
    assert caught.value.field == "email"
    other = services.create_user(accounts["admin"], _data(email="bob@example.test"))
    with pytest.raises(DomainError):
        services.update_user(accounts["admin"], other, _data(email="Ann.Lee@example.test"))


def test_create_user_form_rejects_an_address_taken_in_other_case(admin_client, accounts):
    before = count_rows(User)
    response = admin_client.post(
        "/admin/people/new",
        data={"name": "Copy", "email": "ADMIN@example.TEST", "roles": ["faculty"]},
    )
    assert response.status_code == 200
    assert "Another account already uses admin@example.test" in response.text
    assert count_rows(User) == before


def test_bad_email_is_refused(app_ctx, accounts):
    with pytest.raises(DomainError, match="not a valid e-mail"):
        services.create_user(accounts["admin"], _data(email="not-an-address"))


def test_admin_creates_a_chief_resident_with_several_roles(
    admin_client, accounts, make_firm, make_track
):
    firm, track = make_firm("Osler"), make_track("Categorical")
    db.session.commit()
    year = timeutil.current_academic_year()
    response = admin_client.post(
        "/admin/people/new",
        data={
            "name": "Chris Chief",
            "email": "chief@example.test",
            "roles": ["resident", "coordinator"],
            "start_year": str(year - 2),
            "track_id": str(track.id),
            "firm_id": str(firm.id),
        },
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "chief@example.test"))
    assert user.roles == {Role.RESIDENT, Role.COORDINATOR}
    assert (user.pgy(), user.firm_id, user.track_id) == (3, firm.id, track.id)
    assert user.password_hash == ""  # nobody can sign in until a password is set
    assert user.check_password("") is False


def test_resident_needs_a_start_year(app_ctx, accounts):
    with pytest.raises(DomainError) as caught:
        services.create_user(accounts["admin"], _data(roles={Role.RESIDENT}))
    assert caught.value.field == "start_year"


def test_role_change_is_audited_and_bumps_the_feed_counter(admin_client, accounts):
    faculty = accounts["faculty"]
    counter = counter_value()
    response = admin_client.post(
        f"/admin/people/{faculty.id}",
        data={
            "name": faculty.name,
            "email": faculty.email,
            "roles": ["faculty", "coordinator"],
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, faculty.id).roles == {Role.FACULTY, Role.COORDINATOR}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "roles_changed"))
    assert event.actor_id == accounts["admin"].id
    assert event.object_id == faculty.id
    assert event.before == {"roles": ["faculty"]}
    assert event.after == {"roles": ["coordinator", "faculty"]}
    # Faculty are in no audience: the calendar feeds are unaffected.
    assert counter_value() == counter


def test_resident_firm_change_bumps_the_feed_counter(app_ctx, accounts, make_firm):
    resident, admin = accounts["resident"], accounts["admin"]
    firm = make_firm("Janeway")
    before = counter_value()
    services.update_user(
        admin,
        resident,
        _data(
            email=resident.email,
            name="Renamed",
            roles={Role.RESIDENT},
            start_year=resident.start_year,
            firm_id=firm.id,
        ),
    )
    assert counter_value() == before + 1
    assert resident.firm.name == "Janeway"
    services.update_user(
        admin,
        resident,
        _data(
            email="new-address@example.test",
            name="Renamed",
            roles={Role.RESIDENT},
            start_year=resident.start_year,
            firm_id=firm.id,
        ),
    )
    assert counter_value() == before + 1  # an e-mail address shows in no feed


def test_admin_cannot_remove_own_admin_role_or_deactivate_self(app_ctx, accounts):
    admin = accounts["admin"]
    with pytest.raises(DomainError, match="own admin role"):
        services.update_user(admin, admin, _data(email=admin.email, roles={Role.FACULTY}))
    with pytest.raises(DomainError, match="own account"):
        services.set_active(admin, admin, False)


def test_deactivated_user_cannot_sign_in_until_reactivated(client, auth, admin_client, accounts):
    resident = accounts["resident"]
    counter = counter_value()
    response = admin_client.post(f"/admin/people/{resident.id}/deactivate")
    assert response.status_code == 303
    assert counter_value() == counter + 1  # the resident left every audience
    auth.logout()

    response = auth.login(resident.email)
    assert response.status_code == 200
    assert "Wrong e-mail or password, or the account is inactive" in response.text
    assert client.get("/").status_code == 302  # still signed out

    auth.login(accounts["admin"].email)
    admin_client.post(f"/admin/people/{resident.id}/reactivate")
    auth.logout()
    assert auth.login(resident.email).status_code == 302
    assert client.get("/").status_code == 200


def test_signed_in_person_is_signed_out_when_deactivated(app, auth, accounts):
    resident = accounts["resident"]
    resident_client = app.test_client()
    assert (
        resident_client.post(
            "/login", data={"email": resident.email, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert resident_client.get("/").status_code == 200
    services.set_active(accounts["admin"], resident, False)
    db.session.commit()
    response = resident_client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_resets_a_password(client, auth, admin_client, accounts):
    faculty = accounts["faculty"]
    response = admin_client.post(
        f"/admin/people/{faculty.id}/password",
        data={"new_password": "short", "confirm": "short"},
    )
    assert response.status_code == 200  # too short: shown again with the error
    response = admin_client.post(
        f"/admin/people/{faculty.id}/password",
        data={"new_password": "violet-anchor-4521", "confirm": "violet-anchor-4521"},
    )
    assert response.status_code == 303
    auth.logout()
    assert auth.login(faculty.email).status_code == 200  # the old password no longer works
    assert auth.login(faculty.email, "violet-anchor-4521").status_code == 302
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "password_reset"))
    assert event.before is None
    assert event.after is None


def test_pgy_follows_the_academic_year_across_july_first(app_ctx, clock, quick_user):
    resident = quick_user("intern@example.test", "resident", start_year=2026)
    assert resident.pgy(date(2026, 7, 1)) == 1
    assert resident.pgy(date(2027, 6, 30)) == 1
    assert resident.pgy(date(2027, 7, 1)) == 2
    # "Today" is the program's local date: 30 June 23:30 in New York is already 1 July in UTC.
    clock.set(datetime(2027, 7, 1, 3, 30, tzinfo=UTC))
    assert timeutil.local_today() == date(2027, 6, 30)
    assert resident.pgy() == 1
    clock.set(datetime(2027, 7, 1, 4, 30, tzinfo=UTC))
    assert resident.pgy() == 2


def test_people_list_filters_by_pgy_across_july_first(admin_client, quick_user, clock):
    clock.set(datetime(2027, 6, 30, 16, 0, tzinfo=UTC))
    quick_user("intern@example.test", "resident", name="Ivy Intern", start_year=2026)
    quick_user("senior@example.test", "resident", name="Sam Senior", start_year=2024)
    db.session.commit()
    pgy1 = admin_client.get("/admin/people?pgy=1").text
    assert "Ivy Intern" in pgy1
    assert "Sam Senior" not in pgy1
    clock.set(datetime(2027, 7, 1, 16, 0, tzinfo=UTC))
    assert "Ivy Intern" not in admin_client.get("/admin/people?pgy=1").text
    assert "Ivy Intern" in admin_client.get("/admin/people?pgy=2").text


def test_people_list_search_role_firm_status_and_pages(admin_client, quick_user, make_firm):
    osler = make_firm("Osler")
    year = timeutil.current_academic_year()
    for n in range(55):
        quick_user(
            f"res{n:02d}@example.test",
            "resident",
            name=f"Res {n:02d}",
            start_year=year,
            firm_id=osler.id,
        )
    quick_user("gone@example.test", "faculty", name="Gone Faculty", active=False)
    quick_user("zed@example.test", "faculty", name="Zed Teacher")
    db.session.commit()

    page1 = admin_client.get("/admin/people?role=resident")
    assert page1.status_code == 200
    assert "56 people" in page1.text  # 55 + the fixture resident
    assert "Res 00" in page1.text
    assert "Res 54" not in page1.text
    page2 = admin_client.get("/admin/people?role=resident&page=2")
    assert "Res 54" in page2.text

    found = admin_client.get("/admin/people?q=zed").text
    assert "Zed Teacher" in found
    assert "Res 01" not in found
    assert "Zed Teacher" in admin_client.get("/admin/people?q=ZED%40example").text
    by_firm = admin_client.get(f"/admin/people?firm_id={osler.id}").text
    assert "55 people" in by_firm
    assert "Gone Faculty" not in admin_client.get("/admin/people").text
    assert "Gone Faculty" in admin_client.get("/admin/people?status=inactive").text
    nobody = admin_client.get("/admin/people?q=nobody-by-this-name").text
    assert "Nobody matches these filters" in nobody
    # Junk in the query string is ignored, not an error.
    assert admin_client.get("/admin/people?firm_id=abc&pgy=9&status=x").status_code == 200


def test_people_list_query_count_does_not_grow_with_people(admin_client, app, quick_user):
    from sqlalchemy import event

    def queries_for_page() -> int:
        statements: list[str] = []

        def count(*_args):
            statements.append("q")

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert admin_client.get("/admin/people?role=resident").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    year = timeutil.current_academic_year()
    quick_user("one@example.test", "resident", start_year=year)
    db.session.commit()
    few = queries_for_page()
    for n in range(20):
        quick_user(f"r{n}@example.test", "resident", start_year=year)
    db.session.commit()
    assert queries_for_page() == few


def test_roles_are_stored_once_each(app_ctx, accounts):
    user = services.create_user(
        accounts["admin"], _data(roles={Role.FACULTY, Role.COORDINATOR, Role.FACULTY})
    )
    rows = db.session.scalars(select(UserRole.role).where(UserRole.user_id == user.id)).all()
    assert sorted(rows) == ["coordinator", "faculty"]


def test_admin_home_counts_people_by_role(admin_client, accounts, quick_user):
    quick_user("old@example.test", "faculty", active=False)
    db.session.commit()
    page = admin_client.get("/").text
    assert "Administration" in page
    assert "1 deactivated account" in page
    assert "No firms or tracks yet" in page


def test_admin_home_empty_state_when_alone(client, auth, quick_user):
    quick_user("solo@example.test", "admin")
    db.session.commit()
    auth.login("solo@example.test")
    page = client.get("/").text
    assert "Only your own account exists so far" in page
    assert "Import the roster" in page
