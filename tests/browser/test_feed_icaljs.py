"""A personal feed read by Mozilla's ical.js in Chromium, as Thunderbird and Nextcloud read it.

ical.js is stricter than most about time zones: it resolves a TZID only through a registered
VTIMEZONE, and reads just the first date of a multi-date RDATE. So every event's instant,
status, sequence and UID as ical.js sees them must equal what the icalendar library sees, and
noon stays noon on both sides of each daylight-saving change.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import icalendar
import pytest

from conferences.extensions import db
from conferences.feeds.caches import caches
from conferences.feeds.subscriptions import feed_token, set_include_blocks
from conferences.schedule import session_changes

ICAL_JS = Path(__file__).parent / "vendor" / "icaljs" / "ical.min.js"
ORIGIN = "http://icaljs.test"

# Register the feed's own time zones, as a client does, then read every event.
READ_WITH_ICAL_JS = """async (text) => {
  const ICAL = (await import('/ical.min.js')).default;
  const calendar = new ICAL.Component(ICAL.parse(text));
  for (const zone of calendar.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(zone);
  }
  return calendar.getAllSubcomponents('vevent').map((component) => {
    const event = new ICAL.Event(component);
    const start = event.startDate;
    return {
      uid: event.uid,
      zone: start.zone ? start.zone.tzid : null,
      local: [start.year, start.month, start.day, start.hour, start.minute],
      startUnix: start.toUnixTime(),
      endUnix: event.endDate.toUnixTime(),
      status: component.getFirstPropertyValue('status'),
      sequence: event.sequence,
    };
  });
}"""

NOON_UTC_HOUR = {  # America/New_York: EDT is UTC-4, EST is UTC-5
    date(2026, 10, 30): 16,  # Friday before the November change
    date(2026, 11, 2): 17,  # Monday after it
    date(2027, 3, 12): 17,  # Friday before the March change
    date(2027, 3, 15): 16,  # Monday after it
}


@pytest.fixture
def feed(app, clock, monkeypatch, make_resident, make_user, make_session) -> bytes:
    """A resident's feed with noon sessions around both changes, one moved, one cancelled."""
    monkeypatch.setitem(app.config, "FEED_COUNTER_TTL_SECONDS", 0)
    with app.app_context():
        caches().clear()
        coordinator = make_user(roles=("coordinator",))
        resident = make_resident(pgy=1)
        for day in NOON_UTC_HOUR:
            make_session(on=day, start=time(12, 0), title=f"Noon {day.isoformat()}")
        moved = make_session(on=date(2026, 11, 16), title="Moved")
        cancelled = make_session(on=date(2026, 11, 17), title="Cancelled")
        db.session.commit()
        session_changes.move_session(moved, date(2027, 3, 16), time(13), time(14), coordinator)
        session_changes.cancel_session(cancelled, "Snow day", coordinator)
        token = feed_token(resident)
        db.session.commit()
    response = app.test_client().get(f"/feeds/{token}.ics")
    assert response.status_code == 200
    return response.data


@pytest.fixture
def icaljs_page(browser):
    """A blank page on its own origin that can import the vendored ical.js module."""
    context = browser.new_context()
    page = context.new_page()
    page.route(f"{ORIGIN}/", lambda route: route.fulfill(body="<!doctype html><title>t</title>"))
    page.route(
        f"{ORIGIN}/ical.min.js",
        lambda route: route.fulfill(path=str(ICAL_JS), content_type="text/javascript"),
    )
    page.goto(f"{ORIGIN}/")
    yield page
    context.close()


def _unix(value: datetime) -> int:
    return int(value.timestamp())


def test_ical_js_reads_the_same_events_as_icalendar(feed, icaljs_page):
    seen_by_icaljs = {e["uid"]: e for e in icaljs_page.evaluate(READ_WITH_ICAL_JS, feed.decode())}
    events = icalendar.Calendar.from_ical(feed).walk("VEVENT")
    assert len(events) == len(NOON_UTC_HOUR) + 2
    assert set(seen_by_icaljs) == {str(e["UID"]) for e in events}
    for event in events:
        theirs = seen_by_icaljs[str(event["UID"])]
        assert theirs["zone"] == "America/New_York"  # resolved through the feed's VTIMEZONE
        assert theirs["startUnix"] == _unix(event["DTSTART"].dt)
        assert theirs["endUnix"] == _unix(event["DTEND"].dt)
        assert theirs["status"] == str(event["STATUS"])
        assert theirs["sequence"] == event["SEQUENCE"]
    statuses = sorted(e["status"] for e in seen_by_icaljs.values())
    assert statuses == ["CANCELLED"] + ["CONFIRMED"] * (len(NOON_UTC_HOUR) + 1)


def test_ical_js_keeps_noon_local_across_both_dst_changes(feed, icaljs_page):
    seen = icaljs_page.evaluate(READ_WITH_ICAL_JS, feed.decode())
    confirmed = [e for e in seen if e["status"] == "CONFIRMED"]
    noons = {date(*e["local"][:3]): e for e in confirmed if e["local"][3:] == [12, 0]}
    assert set(noons) == set(NOON_UTC_HOUR)
    for day, utc_hour in NOON_UTC_HOUR.items():
        expected = datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
        assert noons[day]["startUnix"] == _unix(expected), day
    moved = next(e for e in confirmed if e["local"][:3] == [2027, 3, 16])
    assert moved["local"][3:] == [13, 0]
    assert moved["startUnix"] == _unix(datetime(2027, 3, 16, 17, tzinfo=UTC))  # 13:00 EDT
    assert moved["sequence"] > 0


READ_BLOCKS_WITH_ICAL_JS = """async (text) => {
  const ICAL = (await import('/ical.min.js')).default;
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent')
    .filter((component) => component.getFirstPropertyValue('uid').startsWith('rotation-block-'))
    .map((component) => {
      const event = new ICAL.Event(component);
      return {
        uid: event.uid,
        summary: event.summary,
        isDate: event.startDate.isDate && event.endDate.isDate,
        start: [event.startDate.year, event.startDate.month, event.startDate.day],
        end: [event.endDate.year, event.endDate.month, event.endDate.day],
        transp: component.getFirstPropertyValue('transp'),
        sequence: event.sequence,
      };
    });
}"""


def test_ical_js_reads_rotation_blocks_as_free_all_day_events(
    app, clock, monkeypatch, make_resident, icaljs_page
):
    from conferences.rotations.models import RotationAssignment, RotationType

    monkeypatch.setitem(app.config, "FEED_COUNTER_TTL_SECONDS", 0)
    with app.app_context():
        caches().clear()
        resident = make_resident(pgy=2)
        micu = RotationType(name="MICU", setting="icu", excuses=True)
        db.session.add(micu)
        db.session.flush()
        db.session.add(
            RotationAssignment(
                resident_id=resident.id,
                rotation_type_id=micu.id,
                start_on=date(2026, 11, 2),
                end_on=date(2026, 11, 29),
            )
        )
        set_include_blocks(resident, True)
        token = feed_token(resident)
        db.session.commit()
    feed = app.test_client().get(f"/feeds/{token}.ics").data
    (block,) = icaljs_page.evaluate(READ_BLOCKS_WITH_ICAL_JS, feed.decode())
    assert block["summary"] == "ICU — MICU"
    assert block["isDate"] is True
    assert block["start"] == [2026, 11, 2]
    assert block["end"] == [2026, 11, 30]
    assert block["transp"] == "TRANSPARENT"
    assert block["sequence"] == 0


# The meeting link: RFC 7986 CONFERENCE with its parameters, DESCRIPTION's first line, and
# the room alone in LOCATION.

LINK = "https://zoom.example.com/j/987654321?pwd=xyz"

READ_CONFERENCE = """async (text) => {
  const ICAL = (await import('/ical.min.js')).default;
  const calendar = new ICAL.Component(ICAL.parse(text));
  return calendar.getAllSubcomponents('vevent').map((event) => {
    const conference = event.getFirstProperty('conference');
    return {
      summary: event.getFirstPropertyValue('summary'),
      location: event.getFirstPropertyValue('location'),
      description: event.getFirstPropertyValue('description'),
      conference: conference ? conference.getFirstValue() : null,
      type: conference ? conference.type : null,
      feature: conference ? conference.getParameter('feature') : null,
      label: conference ? conference.getParameter('label') : null,
    };
  });
}"""


def test_ical_js_reads_the_conference_link(
    app, clock, monkeypatch, make_resident, make_series, make_session, icaljs_page
):
    monkeypatch.setitem(app.config, "FEED_COUNTER_TTL_SECONDS", 0)
    with app.app_context():
        caches().clear()
        resident = make_resident(pgy=1)
        series = make_series(video_url=LINK)
        make_session(on=date(2026, 11, 10), series_id=series.id, title="Hybrid", room="Aud A")
        make_session(on=date(2026, 11, 11), title="In person", room="Room 2")
        token = feed_token(resident)
        db.session.commit()
    response = app.test_client().get(f"/feeds/{token}.ics")
    assert response.status_code == 200
    seen = {e["summary"]: e for e in icaljs_page.evaluate(READ_CONFERENCE, response.data.decode())}
    hybrid = seen["Lecture: Hybrid"]
    assert hybrid["conference"] == LINK
    assert hybrid["type"] == "uri"
    assert hybrid["feature"] == "VIDEO"
    assert hybrid["label"] == "Join by video"
    assert hybrid["location"] == "Aud A"
    assert hybrid["description"].split("\n")[0] == f"Join by video: {LINK}"
    plain = seen["Lecture: In person"]
    assert plain["conference"] is None
    assert plain["location"] == "Room 2"
