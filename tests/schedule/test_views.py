"""Pages: who may open them, CSRF, forms with bad input, the calendar views."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from conferences import timeutil
from conferences.auth import sessions as sign_ins
from conferences.extensions import db
from conferences.schedule import queries, series_changes
from conferences.schedule.models import Holiday, Series, Session
from tests.schedule.conftest import series_values

PUBLIC = {"schedule.calendar", "schedule.view_session"}
RESIDENT_ONLY = {"schedule.my_schedule"}


def _schedule_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("schedule.")]


@pytest.fixture
def world(app_ctx, clock, coordinator):
    """One series with sessions, a holiday and an import, so every URL has a target."""
    series = series_changes.create_series(series_values(slug="noon"), coordinator)
    session = series_changes.generate_sessions(series, coordinator).created[0]
    holiday = Holiday(name="Retreat", starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 1))
    db.session.add(holiday)
    from conferences.schedule.models import ScheduleImport

    record = ScheduleImport(filename="x.csv", session_count=0)
    db.session.add(record)
    db.session.commit()
    return {
        "public_id": session.public_id,
        "slug": "noon",
        "holiday_id": holiday.id,
        "import_id": record.id,
        "day": "2026-11-11",
    }


def _url(rule, world):
    from flask import url_for

    with __import__("flask").current_app.test_request_context():
        return url_for(rule.endpoint, **{arg: world[arg] for arg in rule.arguments})


def _snapshot():
    sessions = db.session.execute(
        select(Session.id, Session.title, Session.status, Session.revision, Session.starts_at)
    ).all()
    series = db.session.execute(select(Series.id, Series.title)).all()
    holidays = db.session.execute(select(Holiday.id)).all()
    return sorted(sessions), sorted(series), sorted(holidays)


def test_anonymous_is_sent_to_sign_in_everywhere(app, client, world):
    for rule in _schedule_rules(app):
        url = _url(rule, world)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert "/login" in response.headers["Location"], url


@pytest.mark.parametrize("role", ["resident", "faculty"])
def test_residents_and_faculty_cannot_manage(app, client, world, make_user, login_as, role):
    person = make_user(roles=(role,))
    login_as(person)
    before = _snapshot()
    checked = 0
    for rule in _schedule_rules(app):
        if rule.endpoint in PUBLIC | RESIDENT_ONLY:
            continue
        url = _url(rule, world)
        for method in rule.methods & {"GET", "POST"}:
            data = {
                "reason": "x",
                "title": "Hacked",
                "name": "x",
                "starts_on": "2026-12-02",
                "year": "2026",
            }
            response = client.open(url, method=method, data=data)
            assert response.status_code == 403, (method, url)
            checked += 1
    assert checked >= 20
    db.session.expire_all()
    assert _snapshot() == before


def test_public_pages_open_to_every_signed_in_role(app, client, world, make_user, login_as):
    login_as(make_user(roles=("faculty",)))
    assert client.get("/schedule").status_code == 200
    assert client.get(f"/sessions/{world['public_id']}").status_code == 200
    assert client.get("/sessions/not-a-session").status_code == 404
    assert client.get("/my-schedule").status_code == 403  # residents only


# Former pages kept so old links work: where they send a coordinator now.
MOVED_PAGES = {"schedule.move_session": "/edit"}


def test_coordinator_opens_every_page(app, client, world, coordinator, login_as):
    login_as(coordinator)
    for rule in _schedule_rules(app):
        if "GET" in rule.methods and rule.endpoint not in RESIDENT_ONLY:
            url = _url(rule, world)
            response = client.get(url)
            if rule.endpoint in MOVED_PAGES:
                assert response.status_code == 301, url
                assert response.headers["Location"].endswith(MOVED_PAGES[rule.endpoint]), url
                response = client.get(response.headers["Location"])
            assert response.status_code == 200, url


def test_forged_or_missing_csrf_is_refused(client, world, coordinator, csrf_enabled):
    token = sign_ins.start(coordinator, method="password", remember=False)
    db.session.commit()
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = token
        browser_session["_fresh"] = True
    assert client.get("/series").status_code == 200  # signed in
    before = _snapshot()
    url = f"/sessions/{world['public_id']}/cancel"
    assert client.post(url, data={"reason": "x"}).status_code == 400
    assert client.post(url, data={"reason": "x", "csrf_token": "forged"}).status_code == 400
    assert client.post("/series/noon/generate").status_code == 400
    assert client.post("/series/new", data=_series_form(title="Forged")).status_code == 400
    db.session.expire_all()
    assert _snapshot() == before


def test_cancelled_session_is_struck_through_with_reason(client, world, coordinator, login_as):
    login_as(coordinator)
    url = f"/sessions/{world['public_id']}"
    response = client.post(f"{url}/cancel", data={"reason": "Snow day"})
    assert response.status_code == 303
    page = client.get(url).data.decode()
    assert "session-cancelled" in page
    assert "Snow day" in page
    listing = client.get("/schedule?view=list&start=2026-11-09&end=2026-11-09").data.decode()
    assert "session-cancelled" in listing
    assert "Cancelled: Snow day" in listing
    hidden = client.get("/schedule?view=list&start=2026-11-09&end=2026-11-09&include_cancelled=0")
    assert b"Snow day" not in hidden.data
    assert client.post(f"{url}/restore").status_code == 303
    session = queries.get_session_by_public_id(world["public_id"])
    assert not session.is_cancelled
    assert session.revision == 2


def test_session_page_includes_other_domains_panels_in_order(app):
    source = app.jinja_env.loader.get_source(app.jinja_env, "schedule/session.html")[0]
    positions = [
        source.index('{% include "teaching/_session_panel.html" ignore missing %}'),
        source.index('{% include "attendance/_session_panel.html" ignore missing %}'),
        source.index('{% include "feeds/_session_panel.html" ignore missing %}'),
    ]
    assert positions == sorted(positions)


def _series_form(**kw):
    data = {
        "title": "Noon Conference",
        "kind": "noon_conference",
        "start_time": "12:00",
        "end_time": "13:00",
        "room": "Room 5A",
        "frequency": "weekly",
        "interval": "1",
        "weekdays": ["0", "1", "2", "3", "4"],
        "month_week": "1",
        "month_weekday": "0",
        "starts_on": "2026-11-09",
        "ends_on": "2027-06-30",
        "required": "y",
        "scope": "upcoming",
    }
    data.update(kw)
    return data


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"end_time": "11:00"}, "end time must be after"),
        ({"ends_on": "2026-11-01"}, "before the first date"),
        ({"ends_on": "2029-01-01"}, "at most 2 years"),
        ({"weekdays": ["5"], "ends_on": "2026-11-13"}, "gives no dates"),
        ({"weekdays": []}, "at least one weekday"),
        ({"starts_on": "2026-10-01"}, "in the past"),
    ],
)
def test_series_form_errors_save_nothing(client, coordinator, login_as, clock, override, message):
    login_as(coordinator)
    response = client.post("/series/new", data=_series_form(**override))
    assert response.status_code == 200
    assert message in response.data.decode()
    assert db.session.scalar(select(func.count()).select_from(Series)) == 0


def test_create_series_then_generate_through_the_pages(client, coordinator, login_as, clock):
    login_as(coordinator)
    response = client.post(
        "/series/new", data=_series_form(starts_on="2026-10-01", confirm_past="y", pgy=["1"])
    )
    assert response.status_code == 303
    series = db.session.scalar(select(Series))
    assert series.audience == {"pgy": [1]}
    page = client.get(response.headers["Location"]).data.decode()
    assert "Generate sessions" in page
    assert "PGY-1" in client.get("/series").data.decode()
    generated = client.post(f"/series/{series.slug}/generate", follow_redirects=True)
    assert b"Created" in generated.data
    count = db.session.scalar(select(func.count()).select_from(Session))
    assert count > 150
    edited = client.post(
        f"/series/{series.slug}",
        data=_series_form(starts_on="2026-10-01", room="Aud", scope="upcoming"),
    )
    assert edited.status_code == 303
    rooms = dict(
        db.session.execute(select(Session.room, func.count()).group_by(Session.room)).all()
    )
    assert rooms["Aud"] > 0
    assert rooms["Room 5A"] > 0


def test_edit_move_and_one_off_through_the_pages(client, world, coordinator, login_as):
    login_as(coordinator)
    url = f"/sessions/{world['public_id']}"
    edit = client.post(
        f"{url}/edit",
        data={
            "title": "Special",
            "kind": "lecture",
            "day": "2026-11-09",
            "start_time": "12:00",
            "end_time": "13:00",
            "room": "Room 5A",
            "required": "y",
            "topics": ["gi"],
            "scope": "this",
        },
    )
    assert edit.status_code == 303
    session = queries.get_session_by_public_id(world["public_id"])
    assert session.title == "Special"
    assert session.topics == ["gi"]
    assert session.detached
    # Moving is done in the same editor: a new date, times and room.
    move = {"title": "Special", "kind": "lecture", "required": "y", "topics": ["gi"]}
    bad_move = client.post(
        f"{url}/edit",
        data={**move, "day": "2026-11-20", "start_time": "10:00", "end_time": "09:00"},
    )
    assert bad_move.status_code == 200
    assert b"end time must be after" in bad_move.data
    moved = client.post(
        f"{url}/edit",
        data={**move, "day": "2026-11-20", "start_time": "09:00", "end_time": "10:00", "room": "B"},
    )
    assert moved.status_code == 303
    db.session.expire_all()
    session = queries.get_session_by_public_id(world["public_id"])
    assert queries.wall_times(session) == (time(9), time(10))
    assert timeutil.local_date(session.starts_at) == date(2026, 11, 20)
    assert session.room == "B"
    assert session.revision == 2
    new = client.post(
        "/sessions/new",
        data={
            "title": "Visiting professor",
            "kind": "grand_rounds",
            "day": "2026-11-20",
            "start_time": "09:30",
            "end_time": "10:30",
            "room": "B",
        },
    )
    assert new.status_code == 303
    followed = client.get(new.headers["Location"])
    assert b"Visiting professor" in followed.data
    assert b"double-booked" in followed.data  # the warning flashed on save
    delete = client.post(new.headers["Location"] + "/delete")
    assert delete.status_code == 303


def test_holidays_page_adds_prefills_and_removes(client, coordinator, login_as, clock):
    login_as(coordinator)
    bad = client.post(
        "/holidays", data={"name": "Break", "starts_on": "2026-12-31", "ends_on": "2026-12-24"}
    )
    assert b"before the first day" in bad.data
    assert (
        client.post(
            "/holidays", data={"name": "Break", "starts_on": "2026-12-24", "ends_on": "2026-12-31"}
        ).status_code
        == 303
    )
    assert client.post("/holidays/prefill", data={"year": "2026"}).status_code == 303
    page = client.get("/holidays?year=2026").data.decode()
    assert "Thanksgiving Day" in page
    assert "Break" in page
    holiday = db.session.scalar(select(Holiday).where(Holiday.name == "Break"))
    assert client.post(f"/holidays/{holiday.id}/delete").status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Holiday)) == 13


def test_calendar_views_and_filters(client, world, coordinator, login_as, make_session):
    login_as(coordinator)
    make_session(
        on=date(2026, 11, 10),
        start=time(7, 30),
        title="Intern report",
        kind="case_based",
        audience={"pgy": [1]},
    )
    week = client.get("/schedule?view=week&date=2026-11-10").data.decode()
    assert "Intern report" in week
    assert "Noon Conference" in week
    month = client.get("/schedule?view=month&date=2026-11-10").data.decode()
    assert "November 2026" in month
    assert month.count("Noon Conference") >= 16
    only_pgy3 = client.get(
        "/schedule?view=list&start=2026-11-09&end=2026-11-15&audience=pgy:3"
    ).data.decode()
    assert ">Intern report</a>" not in only_pgy3
    assert ">Noon Conference</a>" in only_pgy3
    by_kind = client.get(
        "/schedule?view=list&start=2026-11-09&end=2026-11-15&kind=case_based"
    ).data.decode()
    assert ">Intern report</a>" in by_kind
    assert ">Noon Conference</a>" not in by_kind


def test_my_schedule_shows_only_my_audience(client, world, make_resident, login_as, make_session):
    make_session(
        on=date(2026, 11, 10), start=time(7, 30), title="Intern report", audience={"pgy": [1]}
    )
    make_session(on=date(2026, 11, 10), start=time(16), title="Board review", audience={"pgy": [3]})
    intern = make_resident(pgy=1)
    login_as(intern)
    page = client.get("/my-schedule?start=2026-11-09&days=7").data.decode()
    assert "Intern report" in page
    assert "Noon Conference" in page
    assert "Board review" not in page
