"""The resident's home offers "Join by video" on sessions that have a meeting link (their
own, else their series'), never on cancelled ones; home is for signed-in people only."""

from __future__ import annotations

from datetime import time

from conferences.extensions import db
from tests.attendance.conftest import SESSION_DAY
from tests.home.test_resident_home import _agenda_item

SERIES_LINK = "https://zoom.example.com/j/555000111"
OWN_LINK = "https://teams.example.com/l/own-link"


def test_join_by_video_on_sessions_with_a_link(
    client, auth, clock, make_resident, make_series, make_session
):
    resident = make_resident(pgy=1, email="res@example.test", on=SESSION_DAY)
    series = make_series(video_url=SERIES_LINK)
    inherited = make_session(on=SESSION_DAY, start=time(12, 0), series_id=series.id)
    own = make_session(on=SESSION_DAY, start=time(14, 0), series_id=series.id, video_url=OWN_LINK)
    plain = make_session(on=SESSION_DAY, start=time(16, 0), title="In the room only")
    cancelled = make_session(
        on=SESSION_DAY,
        start=time(17, 0),
        series_id=series.id,
        status="cancelled",
        title="Called off",
    )
    db.session.commit()

    signed_out = client.get("/")
    assert signed_out.status_code in (302, 303)
    assert SERIES_LINK not in signed_out.text

    auth.login(resident.email)
    page = client.get("/").text
    first = _agenda_item(page, inherited)
    assert f'href="{SERIES_LINK}"' in first
    assert "Join by video" in first
    assert f'href="{OWN_LINK}"' in _agenda_item(page, own)
    assert SERIES_LINK not in _agenda_item(page, own)
    assert "Join by video" not in _agenda_item(page, plain)
    assert "Join by video" not in _agenda_item(page, cancelled)  # listed today, cancelled
    assert page.count("Join by video") == 2
