"""The public program page, opened in a real browser by someone who is not signed in."""

from __future__ import annotations

import re
from datetime import time, timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conferences import timeutil
from conferences.extensions import db
from conferences.program.services import get_settings

pytestmark = pytest.mark.browser


def test_anonymous_visitor_reads_the_public_program_and_finds_the_feed(
    page, clock, make_series, make_session
):
    series = make_series(public=True, title="Medicine Grand Rounds", slug="medicine-gr")
    make_session(
        on=timeutil.local_today() + timedelta(days=1),
        start=time(8, 0),
        series_id=series.id,
        title="Heart failure in 2026",
        room="Auditorium A",
        video_url="https://video.example.test/private",
    )
    get_settings().public_program = True
    db.session.commit()

    page.goto("/program")

    expect(page).to_have_url(re.compile(r"/program$"))  # no sign-in asked
    section = page.get_by_role("region", name="Medicine Grand Rounds")
    expect(section).to_contain_text("Heart failure in 2026")
    expect(section).to_contain_text("Auditorium A")
    subscribe = section.get_by_role("link", name="Subscribe to Medicine Grand Rounds (webcal)")
    expect(subscribe).to_have_attribute("href", re.compile(r"^webcal://.*/medicine-gr\.ics$"))
    expect(page.get_by_text("video.example.test")).to_have_count(0)
    address = section.get_by_label("Feed address of Medicine Grand Rounds").input_value()
    feed = page.context.request.get(urlsplit(address).path)  # the feed, no sign-in either
    assert feed.ok
    assert feed.text().startswith("BEGIN:VCALENDAR")
