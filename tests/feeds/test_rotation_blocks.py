"""Rotation blocks in the personal feed: off by default, turned on on My calendar, one
all-day transparent event per block with a stable UID and a SEQUENCE that grows when the
block changes. Read back with icalendar and recurring-ical-events, as clients read them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import recurring_ical_events

from conferences.extensions import db
from conferences.feeds import subscriptions
from conferences.rotations import services as rotations
from tests.feeds.conftest import parse


def _blocks(data: bytes) -> dict[str, object]:
    return {
        str(e["UID"]): e
        for e in parse(data).walk("VEVENT")
        if str(e["UID"]).startswith("rotation-block-")
    }


@pytest.fixture
def resident_on_icu(make_resident, make_rotation, make_block, make_session, changed):
    resident = make_resident(pgy=2)
    micu = make_rotation("MICU", setting="icu")
    clinic = make_rotation("Ambulatory", setting="ambulatory")
    icu = make_block(resident, micu, date(2026, 11, 2), date(2026, 11, 29))
    make_block(resident, clinic, date(2026, 11, 30), date(2026, 12, 27))
    make_session(on=date(2026, 11, 10), title="Noon")
    changed()
    return resident, icu, micu, clinic


def test_blocks_are_off_until_turned_on(resident_on_icu, feed_url, fetch):
    resident, *_ = resident_on_icu
    url = feed_url(resident)
    assert _blocks(fetch(url).data) == {}
    subscriptions.set_include_blocks(resident, True)
    db.session.commit()
    data = fetch(url).data
    blocks = _blocks(data)
    assert len(blocks) == 2
    icu = next(e for e in blocks.values() if str(e["SUMMARY"]) == "ICU — MICU")
    assert icu["DTSTART"].dt == date(2026, 11, 2)
    assert icu["DTEND"].dt == date(2026, 11, 30)  # the day after the last
    assert icu["DTSTART"].params["VALUE"] == "DATE"
    assert icu["DTEND"].params["VALUE"] == "DATE"
    assert not isinstance(icu["DTSTART"].dt, datetime)
    assert str(icu["TRANSP"]) == "TRANSPARENT"
    assert int(icu["SEQUENCE"]) == 0
    assert "DTSTAMP" in icu
    summaries = {str(e["SUMMARY"]) for e in blocks.values()}
    assert summaries == {"ICU — MICU", "Ambulatory"}
    # A calendar client sees the block on every day of it, and the session as well.
    days = recurring_ical_events.of(parse(data)).between(
        datetime(2026, 11, 28, tzinfo=UTC), datetime(2026, 11, 29, 23, tzinfo=UTC)
    )
    assert [str(e["SUMMARY"]) for e in days] == ["ICU — MICU"]
    assert any("Noon" in str(e["SUMMARY"]) for e in parse(data).walk("VEVENT"))


def test_a_changed_block_keeps_its_uid_and_raises_sequence(resident_on_icu, feed_url, fetch):
    resident, icu_block, micu, _ = resident_on_icu
    subscriptions.set_include_blocks(resident, True)
    db.session.commit()
    url = feed_url(resident)
    before = _blocks(fetch(url).data)
    rotations.update_assignment(icu_block, micu, date(2026, 11, 2), date(2026, 11, 22))
    db.session.commit()
    after = _blocks(fetch(url).data)
    assert set(after) == set(before)
    uid = next(u for u, e in after.items() if str(e["SUMMARY"]) == "ICU — MICU")
    assert int(after[uid]["SEQUENCE"]) == int(before[uid]["SEQUENCE"]) + 1
    assert after[uid]["DTEND"].dt == date(2026, 11, 23)
    rotations.update_rotation_type(micu, "Medical ICU", "icu", True)
    db.session.commit()
    renamed = _blocks(fetch(url).data)[uid]
    assert str(renamed["SUMMARY"]) == "ICU — Medical ICU"
    assert int(renamed["SEQUENCE"]) == int(after[uid]["SEQUENCE"]) + 1


def test_my_calendar_turns_blocks_on_and_off(resident_on_icu, client, auth, feed_url, fetch):
    resident, *_ = resident_on_icu
    url = feed_url(resident)
    auth.login(resident.email)
    html = client.get("/my-calendar").text
    assert "Add my rotation blocks" in html
    assert "checked" not in html.split("include_blocks", 1)[1].split(">", 1)[0]
    answer = client.post("/my-calendar/blocks", data={"include_blocks": "y"})
    assert answer.status_code == 303
    assert len(_blocks(fetch(url).data)) == 2
    client.post("/my-calendar/blocks", data={})
    assert _blocks(fetch(url).data) == {}
