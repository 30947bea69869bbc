"""Every creating form creates once: a repeat with the same one-time key answers with
what the first submission made (the key lives in the database, for every process)."""

from __future__ import annotations

import re

from conferences.extensions import db
from conferences.program.models import FormSubmission
from conferences.program.services import claim_form_key
from conferences.schedule.models import Holiday, Series, Session
from tests.schedule.test_views import _series_form


def _form_key(html: str) -> str:
    found = re.search(r'name="form_key"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="form_key"', html
    )
    assert found, "the form carries a one-time key"
    return found.group(1)


def _count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_series_sent_twice_is_created_once(clock, coordinator, login_as):
    client = login_as(coordinator)
    key = _form_key(client.get("/series/new").get_data(as_text=True))
    data = _series_form(title="Board review", form_key=key)
    first = client.post("/series/new", data=data)
    assert first.status_code == 303
    second = client.post("/series/new", data=data)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert "This series was already created." in client.get(second.headers["Location"]).text
    assert _count(Series) == 1
    assert db.session.scalar(db.select(Series.slug)) == "board-review"  # no board-review-2
    assert db.session.get(FormSubmission, key).result_url == first.headers["Location"]


def test_one_off_session_sent_twice_is_created_once(clock, coordinator, login_as):
    client = login_as(coordinator)
    key = _form_key(client.get("/sessions/new").get_data(as_text=True))
    data = {
        "title": "Visiting professor",
        "kind": "grand_rounds",
        "day": "2026-12-02",
        "start_time": "12:00",
        "end_time": "13:00",
        "form_key": key,
    }
    first = client.post("/sessions/new", data=data)
    second = client.post("/sessions/new", data=data)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert _count(Session) == 1


def test_holiday_sent_twice_is_added_once(clock, coordinator, login_as):
    client = login_as(coordinator)
    key = _form_key(client.get("/holidays").get_data(as_text=True))
    data = {"name": "Program retreat", "starts_on": "2027-03-05", "form_key": key}
    assert client.post("/holidays", data=data).status_code == 303
    assert client.post("/holidays", data=data).status_code == 303
    assert _count(Holiday) == 1


def test_a_new_showing_of_the_form_creates_again(clock, coordinator, login_as):
    client = login_as(coordinator)
    for _ in range(2):
        key = _form_key(client.get("/holidays").get_data(as_text=True))
        client.post(
            "/holidays", data={"name": "Retreat", "starts_on": "2027-03-05", "form_key": key}
        )
    assert _count(Holiday) == 2


def test_claim_is_refused_to_a_second_claimant(app_ctx):
    assert claim_form_key("k" * 20, "series") is None
    db.session.commit()
    db.session.remove()
    earlier = claim_form_key("k" * 20, "series")
    assert earlier is not None
    assert earlier.what == "series"
    assert claim_form_key("bad key!", "series") is None  # malformed: claims nothing


def test_schedule_import_applied_twice_creates_once(clock, coordinator, login_as):
    import io

    client = login_as(coordinator)
    csv_text = "date,start,end,title\n2026-12-02,12:00,13:00,Visiting professor\n"
    preview = client.post(
        "/schedule/import",
        data={"file": (io.BytesIO(csv_text.encode()), "s.csv")},
        content_type="multipart/form-data",
    )
    key = _form_key(preview.get_data(as_text=True))
    data = {"csv_text": csv_text, "filename": "s.csv", "form_key": key}
    assert client.post("/schedule/import/apply", data=data).status_code == 303
    again = client.post("/schedule/import/apply", data=data, follow_redirects=True)
    assert "This import was already applied." in again.text
    assert _count(Session) == 1
