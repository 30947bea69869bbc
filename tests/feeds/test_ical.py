"""The iCalendar builder on its own: VTIMEZONE form and offsets, event properties."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar.parser import Contentline

from conferences.feeds import ical
from conferences.feeds.vtimezone import build_timezone
from conferences.schedule.models import TOPICS

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Tokyo",
    "America/Sao_Paulo",
    "UTC",
]


def vtimezone(name: str, first: int = 2026, last: int = 2027) -> icalendar.Timezone:
    built = build_timezone(name, ZoneInfo(name), first, last)
    # Round-trip through text, as a client receives it.
    return icalendar.Calendar.from_ical(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n" + built.to_ical() + b"END:VCALENDAR\r\n"
    ).walk("VTIMEZONE")[0]


@pytest.mark.parametrize("name", ZONES)
def test_vtimezone_is_compact_yearly_rules_without_rdate(name):
    tz = vtimezone(name)
    observances = tz.walk("STANDARD") + tz.walk("DAYLIGHT")
    assert observances
    assert all("RDATE" not in part for part in observances)
    if name in ("America/Phoenix", "Asia/Tokyo", "America/Sao_Paulo", "UTC"):
        assert len(observances) == 1
    else:
        # One STANDARD and one DAYLIGHT, each a yearly rule, as Outlook and Google write them.
        assert len(tz.walk("STANDARD")) == 1
        assert len(tz.walk("DAYLIGHT")) == 1
        for part in observances:
            rule = part["RRULE"]
            assert rule["FREQ"] == ["YEARLY"]
            assert "UNTIL" not in rule


def test_new_york_rules_are_the_us_rules():
    tz = vtimezone("America/New_York")
    daylight, standard = tz.walk("DAYLIGHT")[0], tz.walk("STANDARD")[0]
    assert daylight["RRULE"]["BYMONTH"] == [3]
    assert daylight["RRULE"]["BYDAY"] == ["2SU"]
    assert standard["RRULE"]["BYMONTH"] == [11]
    assert standard["RRULE"]["BYDAY"] == ["1SU"]
    assert daylight.DTSTART.year <= 2025
    assert str(daylight["TZNAME"]) == "EDT"


@pytest.mark.parametrize("name", ZONES)
def test_vtimezone_offsets_match_the_zone_database_every_day(name):
    """Read the VTIMEZONE as a time zone (not by looking up its name) and compare."""
    tz = vtimezone(name).to_tz(lookup_tzid=False)
    reference = ZoneInfo(name)
    day = datetime(2026, 1, 1, 12, 0)
    while day.year < 2028:
        assert day.replace(tzinfo=tz).utcoffset() == day.replace(tzinfo=reference).utcoffset(), day
        day += timedelta(days=1)


def test_rule_ending_inside_the_range_gets_until():
    """A zone that changed its rule in the covered years: the old rule stops (UNTIL)."""
    tz = vtimezone("America/New_York", 2006, 2008)
    daylight = tz.walk("DAYLIGHT")
    assert len(daylight) == 2
    old = next(p for p in daylight if p["RRULE"]["BYMONTH"] == [4])
    new = next(p for p in daylight if p["RRULE"]["BYMONTH"] == [3])
    assert old["RRULE"]["UNTIL"][0].year == 2006
    assert "UNTIL" not in new["RRULE"]
    local = tz.to_tz(lookup_tzid=False)
    wall = datetime(2007, 3, 20, 12, 0)
    assert wall.replace(tzinfo=local).utcoffset() == timedelta(hours=-4)


def sample(**changes) -> ical.EventData:
    values = {
        "id": 1,
        "public_id": "abc",
        "series_id": None,
        "title": "Heart failure",
        "kind": "lecture",
        "kind_label": "Lecture",
        "description": "",
        "starts_at": datetime(2026, 11, 5, 17, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 11, 5, 18, 0, tzinfo=UTC),
        "room": "Room 1",
        "video_url": "https://video.example/1",
        "required": True,
        "cancelled": False,
        "cancel_reason": "",
        "revision": 3,
        "created_at": datetime(2026, 6, 1, tzinfo=UTC),
        "updated_at": datetime(2026, 10, 1, tzinfo=UTC),
        "topics": ("cardiovascular",),
        "presenters": (ical.Presenter("Lecturer", "Dr Ada Lovelace", "Diuretics"),),
    }
    values.update(changes)
    return ical.EventData(**values)


OPTIONS = ical.EventOptions(ZoneInfo("America/New_York"), "example.test", "https://app.test/")


def test_event_properties():
    vevent = ical.build_event(sample(), OPTIONS)
    parsed = icalendar.Event.from_ical(vevent.to_ical())
    assert str(parsed["UID"]) == "abc@example.test"
    assert parsed["SEQUENCE"] == 3
    assert str(parsed["STATUS"]) == "CONFIRMED"
    assert str(parsed["SUMMARY"]) == "Lecture: Heart failure"
    assert datetime(2026, 11, 5, 12, 0, tzinfo=ZoneInfo("America/New_York")) == parsed.DTSTART
    assert parsed["DTSTART"].params["TZID"] == "America/New_York"
    assert parsed.DTSTART.astimezone(UTC) == datetime(2026, 11, 5, 17, 0, tzinfo=UTC)
    # The room alone; the meeting link only in feeds for a known person (test_video.py).
    assert str(parsed["LOCATION"]) == "Room 1"
    assert "CONFERENCE" not in parsed
    assert "video.example" not in parsed.to_ical().decode()
    text = str(parsed["DESCRIPTION"])
    assert "Lecturer: Dr Ada Lovelace" in text
    assert "Diuretics" in text
    assert "Required" in text
    assert "https://app.test/sessions/abc" in text
    assert str(parsed["URL"]) == "https://app.test/sessions/abc"
    assert set(parsed.categories) == {"Lecture", "Cardiovascular disease"}
    assert datetime(2026, 10, 1, tzinfo=UTC) == parsed.DTSTAMP
    assert datetime(2026, 10, 1, tzinfo=UTC) == parsed.LAST_MODIFIED
    assert datetime(2026, 6, 1, tzinfo=UTC) == parsed.CREATED
    assert not parsed.walk("VALARM")


def test_cancelled_event_keeps_uid_and_gives_the_reason_without_alarm():
    options = ical.EventOptions(ZoneInfo("America/New_York"), "example.test", "https://a", 15)
    parsed = icalendar.Event.from_ical(
        ical.build_event(sample(cancelled=True, cancel_reason="Snow day"), options).to_ical()
    )
    assert str(parsed["STATUS"]) == "CANCELLED"
    assert str(parsed["UID"]) == "abc@example.test"
    assert "Snow day" in str(parsed["DESCRIPTION"])
    assert not parsed.walk("VALARM")


def test_alarm_trigger():
    options = ical.EventOptions(ZoneInfo("America/New_York"), "example.test", "https://a", 30)
    parsed = icalendar.Event.from_ical(ical.build_event(sample(), options).to_ical())
    (alarm,) = parsed.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm["TRIGGER"].dt == timedelta(minutes=-30)


def test_event_cache_rebuilds_only_changed_snapshots():
    cache = ical.EventCache()
    header = ical.CalendarHeader("Test", "America/New_York", 60)
    events = [sample(id=i, public_id=f"id{i}") for i in range(5)]
    window = (date(2026, 9, 1), date(2027, 9, 30))
    first = ical.render_calendar(header, events, OPTIONS, *window, cache)
    assert cache.misses == 5
    events[2] = sample(id=2, public_id="id2", title="Moved", revision=4)
    second = ical.render_calendar(header, events, OPTIONS, *window, cache)
    assert cache.misses == 6
    assert first != second
    parsed = icalendar.Calendar.from_ical(second)
    assert [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")][2] == "Lecture: Moved"


# ---------------------------------------------------------------------------
# Serialisation: the fast path gives icalendar's own bytes

# ASCII, the two escape starts, and characters of two, three and four UTF-8 octets.
FOLD_ALPHABET = 'ab ,;:\\^"é—“”·😀'


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=FOLD_ALPHABET, min_size=0, max_size=400),
    st.integers(min_value=0, max_value=80),
)
def test_fold_matches_icalendar_folding(text, ascii_prefix):
    # The prefix shifts where characters fall relative to the 75-octet boundaries.
    line = "X" * ascii_prefix + text
    assert ical.fold(line.encode()) == Contentline(line).to_ical()


@pytest.mark.parametrize("filler", ["a", "\\", "^", "é", "—", "😀", "a\\", "é^", "ab😀\\"])
def test_fold_matches_icalendar_at_every_boundary(filler):
    for length in range(0, 230):
        line = (filler * length)[:length]
        assert ical.fold(line.encode()) == Contentline(line).to_ical(), length


def realistic_events(count: int = 400) -> list[ical.EventData]:
    """A year of varied sessions: presenters, long and non-ASCII text, characters that
    need escaping, cancellations, video links, topics, both sides of the DST changes."""
    rng = random.Random(6)
    names = ["Dr Ada Lovelace", "Dr José Núñez", "Dr Zoë O'Brien-Šimić", "Dr 李小龍"]
    titles = [
        "Heart failure",
        "Sepsis; fluids, pressors & steroids",
        "Acid–base: a “practical” approach",
        r"Back\slash and ^caret",
        "Very long title " * 6,
    ]
    topics = list(TOPICS)
    start = datetime(2026, 9, 1, 11, 30, tzinfo=UTC)
    events = []
    for number in range(count):
        starts_at = start + timedelta(days=number * 365 // count, hours=rng.choice([0, 5]))
        presenters = tuple(
            ical.Presenter(
                rng.choice(["Lecturer", "Chief resident", "Discussant"]),
                rng.choice(names),
                rng.choice(["", "Diuretics — when, and how much?", "x" * rng.randint(40, 120)]),
                rng.randint(1, 50),
            )
            for _ in range(rng.randint(0, 3))
        )
        cancelled = rng.random() < 0.1
        events.append(
            sample(
                id=number,
                public_id=f"s{number:04d}x{rng.getrandbits(40):010x}",
                title=rng.choice(titles),
                kind_label=rng.choice(["Lecture", "Morning report", "M&M"]),
                description=rng.choice(["", "Bring your stethoscope.", "Préparez-vous. " * 12]),
                starts_at=starts_at,
                ends_at=starts_at + timedelta(minutes=rng.choice([30, 60, 90])),
                room=rng.choice(["", "Room 1", "Auditorium B · 3rd floor"]),
                video_url=rng.choice(["", "https://video.example/" + "abc" * rng.randint(1, 30)]),
                required=rng.random() < 0.7,
                cancelled=cancelled,
                cancel_reason=rng.choice(["", "Snow day; campus closed"]) if cancelled else "",
                revision=rng.randint(0, 12),
                topics=tuple(sorted(rng.sample(topics, rng.randint(0, 3)))),
                presenters=presenters,
            )
        )
    return events


@pytest.mark.parametrize("alarm", [None, 15])
def test_rendered_feed_is_byte_identical_to_icalendar_serialisation(alarm):
    header = ical.CalendarHeader("Program conferences", "America/New_York", 60, "Yours")
    options = OPTIONS._replace(alarm_minutes=alarm)
    events = realistic_events()
    window = (date(2026, 9, 1), date(2027, 9, 30))
    rendered = ical.render_calendar(header, events, options, *window, ical.EventCache())

    # The same calendar built as one icalendar object and serialised by icalendar alone.
    reference = ical.build_calendar(header, options.zone, date(2026, 1, 1), date(2027, 12, 31))
    for event in events:
        reference.add_component(ical.build_event(event, options))
    expected = reference.to_ical()
    assert rendered == expected
    # Long lines were folded (the fast path was exercised on both kinds of line)...
    lines = expected.split(b"\r\n")
    assert any(line.startswith(b" ") for line in lines)
    assert all(len(line) <= 75 for line in lines)
    # ...and what a parser reads back serialises to the same bytes again.
    assert icalendar.Calendar.from_ical(rendered).to_ical() == rendered
