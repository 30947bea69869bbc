"""iCalendar output: plain functions from event data to icalendar components and bytes.

Nothing here reads the request, the session or the database. The services hand in
``EventData`` snapshots (frozen, hashable) and an ``EventOptions``; every VEVENT is
serialised by ``icalendar`` once per distinct (snapshot, options) and kept, so a feed
re-rendered after one session changed rebuilds only that event. A feed is the
serialised calendar envelope (properties and VTIMEZONE, also built by ``icalendar``)
with the serialised events placed before its closing line. ``serialise`` writes
icalendar's content lines with a faster folding step that gives the same bytes as
``Component.to_ical()`` (see "Serialisation" below).

The VTIMEZONE comes from ``vtimezone.build_timezone`` (the compact yearly-rule form).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import NamedTuple

from icalendar import (
    Alarm,
    Calendar,
    Component,
    Event,
)
from icalendar.caselessdict import canonsort_keys
from icalendar.parser import Contentline, Parameters
from icalendar.prop import vCategory, vDatetime, vDuration, vInt, vText, vUri

from conferences import text, timeutil
from conferences.feeds.vtimezone import build_timezone
from conferences.lru import LRU
from conferences.schedule.models import TOPICS
from conferences.schedule.video import VIDEO_LABEL, video_line

PRODID = "-//Conferences//Residency conference schedule//EN"
END_CALENDAR = b"END:VCALENDAR\r\n"
ALARM_CHOICES = (None, 10, 15, 30, 60)


class Presenter(NamedTuple):
    role_label: str
    name: str
    talk_title: str = ""
    holder_id: int | None = None


class EventData(NamedTuple):
    """Everything one VEVENT shows about a session; equal snapshots give equal bytes.

    A named tuple: immutable, and cheap to build and hash for a thousand sessions.
    """

    id: int
    public_id: str
    series_id: int | None
    title: str
    kind: str
    kind_label: str
    description: str
    starts_at: datetime
    ends_at: datetime
    room: str
    video_url: str
    required: bool
    cancelled: bool
    cancel_reason: str
    revision: int
    created_at: datetime
    updated_at: datetime
    topics: tuple[str, ...] = ()
    presenters: tuple[Presenter, ...] = ()
    holder_ids: frozenset[int] = frozenset()
    # The audience as stored on the session (a JSON dict), as sorted items so the
    # snapshot stays hashable; ``audience`` gives the dict back for the audience rule.
    audience_items: tuple = ()
    # The local date of the start (what audience rules are evaluated on).
    starts_on: date | None = None

    @property
    def audience(self) -> dict:
        return {name: list(values) for name, values in self.audience_items}

    @property
    def last_modified(self) -> datetime:
        """LAST-MODIFIED and DTSTAMP. Every change a VEVENT shows, presenters and talk
        titles included, stamps the session itself (``schedule.bookkeeping.touch_session``);
        slot bookkeeping that shows nowhere (swap offers, release requests) must not move it,
        or processes that loaded the window at different times would disagree."""
        return self.updated_at


class BlockData(NamedTuple):
    """One rotation block as an all-day event (dates inclusive, local)."""

    id: int
    title: str
    start_on: date
    end_on: date
    revision: int
    updated_at: datetime


class EventOptions(NamedTuple):
    """Per-feed choices that change how an event is written."""

    zone: tzinfo
    uid_domain: str
    base_url: str
    alarm_minutes: int | None = None
    # Meeting links go only into feeds for a known person (personal feeds, a signed-in
    # or token holder's session file), never into public ones.
    show_video: bool = False


class CalendarHeader(NamedTuple):
    name: str
    zone_name: str
    refresh_minutes: int
    description: str = ""


# ---------------------------------------------------------------------------
# Events


def session_url(base_url: str, public_id: str) -> str:
    return f"{base_url.rstrip('/')}/sessions/{public_id}"


def event_uid(public_id: str, uid_domain: str) -> str:
    return f"{public_id}@{uid_domain}"


def summary(event: EventData) -> str:
    line = text.one_line(f"{event.kind_label}: {event.title}")
    # Some clients show cancelled events from subscriptions as if nothing happened.
    return f"Cancelled: {line}" if event.cancelled else line


def location(event: EventData) -> str:
    """The room alone: a URL in LOCATION confuses the map lookups of calendar clients
    (the meeting link is CONFERENCE and the first line of DESCRIPTION)."""
    return text.one_line(event.room)


def conference(event: EventData) -> vUri:
    """The RFC 7986 CONFERENCE property of a session's meeting link."""
    return vUri(
        text.one_line(event.video_url),
        params={"VALUE": "URI", "FEATURE": "VIDEO", "LABEL": VIDEO_LABEL},
    )


def category(name: str) -> str:
    """A CATEGORIES value that every parser reads as one: one line, and no comma (several
    widely used parsers split an escaped comma into two categories)."""
    return " ".join(text.one_line(name).replace(",", " ").split())


def categories(event: EventData) -> list[vCategory]:
    """One CATEGORIES property per name (the kind, then each topic)."""
    names = [event.kind_label, *(TOPICS.get(t, t) for t in event.topics)]
    return [vCategory([category(name)]) for name in names]


def description(event: EventData, base_url: str, show_video: bool = False) -> str:
    lines: list[str] = []
    if show_video and event.video_url:
        # First, for clients that ignore CONFERENCE.
        lines.append(video_line(text.one_line(event.video_url)))
        lines.append("")
    if event.cancelled:
        reason = event.cancel_reason.strip()
        lines.append(f"CANCELLED: {reason}" if reason else "CANCELLED")
        lines.append("")
    lines.append("Required" if event.required else "Optional")
    if event.presenters:
        lines.append("")
        lines.append("Presenters:")
        for presenter in event.presenters:
            line = f"- {presenter.role_label}: {text.one_line(presenter.name)}"
            if presenter.talk_title:
                line += f" — “{text.one_line(presenter.talk_title)}”"
            lines.append(line)
    if event.description.strip():
        lines.append("")
        lines.append(event.description.strip())
    lines.append("")
    lines.append(f"Session page: {session_url(base_url, event.public_id)}")
    if show_video:
        # Feeds for a known person (materials are for signed-in people).
        lines.append(f"Materials: {session_url(base_url, event.public_id)}/materials")
    return text.feed_text("\n".join(lines))


def event_properties(event: EventData, options: EventOptions) -> dict[str, object]:
    """The VEVENT properties of one session, by name, as typed icalendar values.

    Values are already typed (the classes icalendar's type factory picks for these
    properties; ``vDatetime`` rather than the ``vDDDTypes`` wrapper, which builds a
    ``vDatetime`` again on every serialisation), so neither ``Component.add`` nor the
    serialiser has to look a type up.
    """
    page = session_url(options.base_url, event.public_id)
    # DTSTAMP is the last change, not the time of rendering, so identical content gives
    # identical bytes (and ETags) in every server process.
    modified = vDatetime(event.last_modified.astimezone(UTC))
    # A local time in the hour repeated when clocks go back names two instants, and
    # parsers pick different ones: such an event is written in UTC (one instant for all).
    zone = options.zone
    if timeutil.in_repeated_hour(event.starts_at, zone) or timeutil.in_repeated_hour(
        event.ends_at, zone
    ):
        zone = UTC
    properties: dict[str, object] = {
        "UID": vText(event_uid(event.public_id, options.uid_domain)),
        "DTSTAMP": modified,
        "CREATED": vDatetime(event.created_at.astimezone(UTC)),
        "LAST-MODIFIED": modified,
        "DTSTART": vDatetime(event.starts_at.astimezone(zone)),
        "DTEND": vDatetime(event.ends_at.astimezone(zone)),
        "SEQUENCE": vInt(event.revision),
        "STATUS": vText("CANCELLED" if event.cancelled else "CONFIRMED"),
        "SUMMARY": vText(summary(event)),
        "DESCRIPTION": vText(description(event, options.base_url, options.show_video)),
        "URL": vUri(page),
        "CATEGORIES": categories(event),
    }
    if event.cancelled:
        properties["TRANSP"] = vText("TRANSPARENT")  # OPAQUE (busy) is the default
    where = location(event)
    if where:
        properties["LOCATION"] = vText(where)
    if options.show_video and event.video_url:
        properties["CONFERENCE"] = conference(event)
    return properties


def build_alarm(event: EventData, options: EventOptions) -> Alarm | None:
    """The VALARM of a session, when the feed asks for reminders (none when cancelled)."""
    if not options.alarm_minutes or event.cancelled:
        return None
    alarm = Alarm()
    alarm.add("action", vText("DISPLAY"))
    alarm.add("description", vText(summary(event)))
    alarm.add("trigger", vDuration(timedelta(minutes=-options.alarm_minutes)))
    return alarm


def build_event(event: EventData, options: EventOptions) -> Event:
    """The VEVENT for one session as an icalendar component."""
    vevent = Event()
    for name, value in event_properties(event, options).items():
        for item in value if isinstance(value, list) else (value,):
            vevent.add(name, item)
    alarm = build_alarm(event, options)
    if alarm is not None:
        vevent.add_component(alarm)
    return vevent


# ---------------------------------------------------------------------------
# Serialisation

# icalendar folds every content line character by character in Python
# (``Contentline.to_ical`` calls ``icalendar.parser.string._foldline``), which was about
# a third of a cold render. ``serialise`` keeps icalendar's content lines (names,
# parameters, escaped values) and only replaces that loop with ``fold``, which gives
# the same bytes: tests/feeds/test_ical.py compares it with icalendar's own routine on
# generated lines and a whole realistic feed with ``Component.to_ical()``.
#
# icalendar 7's rule, restated on the UTF-8 bytes: a segment takes whole characters
# while it stays within 74 octets (it folds before the character that would make it
# reach ``limit=75``), so a line under 75 octets is left alone (93 % of a feed's
# lines); and a segment that would end in a backslash or caret (the start of a TEXT or
# RFC 6868 escape) after at least one other character leaves that character to the
# next segment. Continuation segments start with the space of the fold separator,
# which icalendar does not count.
FOLD_LIMIT = 75
_SEGMENT = FOLD_LIMIT - 1
_ESCAPE_STARTS = (ord("\\"), ord("^"))


def fold(data: bytes) -> bytes:
    """One UTF-8 content line folded exactly as icalendar's ``Contentline.to_ical``."""
    size = len(data)
    if size < FOLD_LIMIT:
        return data
    segments = []
    start = 0
    while size - start >= FOLD_LIMIT:
        end = start + _SEGMENT
        while data[end] & 0xC0 == 0x80:  # not the first byte of a character: back off
            end -= 1
        if data[end - 1] in _ESCAPE_STARTS and end - 1 > start:
            end -= 1
        segments.append(data[start:end])
        start = end
    segments.append(data[start:])
    return b"\r\n ".join(segments)


# Shared by lines without parameters; ``Contentline.from_parts`` only reads it.
_NO_PARAMETERS = Parameters()


def content_lines(component: Component) -> list[Contentline]:
    """``component.content_lines()`` (sorted), without the empty ``Parameters`` that
    ``Component.content_line`` makes for every line as a ``getattr`` default."""
    return [
        Contentline.from_parts(name, getattr(value, "params", None) or _NO_PARAMETERS, value)
        for name, value in component.property_items()
    ]


def serialise(component: Component) -> bytes:
    """``component.to_ical()``: icalendar's content lines, folded by ``fold``."""
    out = [fold(line.encode()) for line in content_lines(component)]
    out.append(b"")  # Contentlines.to_ical() ends with a line break too
    return b"\r\n".join(out)


_BEGIN_EVENT = fold(Contentline.from_parts("BEGIN", _NO_PARAMETERS, vText("VEVENT")).encode())
_END_EVENT = fold(Contentline.from_parts("END", _NO_PARAMETERS, vText("VEVENT")).encode())


@lru_cache(maxsize=64)
def _event_order(names: tuple[str, ...]) -> tuple[str, ...]:
    """The order ``Event.to_ical()`` writes these properties in (canonical, then A-Z)."""
    return tuple(canonsort_keys(names, Event.canonical_order))


def serialise_event(event: EventData, options: EventOptions) -> bytes:
    """``serialise(build_event(event, options))`` without building the component: the
    same icalendar values and content lines, in the same order, and the same bytes
    (tests/feeds/test_ical.py compares the two)."""
    properties = event_properties(event, options)
    out = [_BEGIN_EVENT]
    for name in _event_order(tuple(properties)):
        value = properties[name]
        for item in value if isinstance(value, list) else (value,):
            params = getattr(item, "params", None) or _NO_PARAMETERS
            out.append(fold(Contentline.from_parts(name, params, item).encode()))
    alarm = build_alarm(event, options)
    if alarm is not None:
        out.append(serialise(alarm)[:-2])
    out.append(_END_EVENT)
    out.append(b"")
    return b"\r\n".join(out)


class EventCache:
    """Serialised VEVENTs keyed by (snapshot, options); least recently used go first,
    bounded by bytes (each entry also keeps its snapshot alive: counted at 1 KB)."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024):
        self._items = LRU("events", max_bytes=max_bytes, sizeof=lambda data: len(data) + 1024)
        self.misses = 0

    def get(self, event: EventData, options: EventOptions) -> bytes:
        key = (event, options)
        found = self._items.get(key)
        if found is not None:
            return found
        data = serialise_event(event, options)
        self.misses += 1
        self._items.put(key, data)
        return data

    def clear(self) -> None:
        self._items.clear()
        self.misses = 0


event_cache = EventCache()


def block_uid(block_id: int, uid_domain: str) -> str:
    return f"rotation-block-{block_id}@{uid_domain}"


def build_block_event(block: BlockData, options: EventOptions) -> Event:
    """A rotation block: all day (DATE values, DTEND the day after the last), shown as
    free (TRANSP:TRANSPARENT), the same UID for the block's life, SEQUENCE its revision."""
    event = Event()
    event.add("uid", block_uid(block.id, options.uid_domain))
    event.add("dtstamp", block.updated_at.astimezone(UTC))
    event.add("dtstart", block.start_on)
    event.add("dtend", block.end_on + timedelta(days=1))
    event.add("summary", vText(text.one_line(block.title)))
    event.add("transp", "TRANSPARENT")
    event.add("x-microsoft-cdo-busystatus", "FREE")
    event.add("sequence", vInt(block.revision))
    return event


# ---------------------------------------------------------------------------
# Calendars


def build_calendar(header: CalendarHeader, zone: tzinfo, first: date, last: date) -> Calendar:
    """The calendar envelope: properties and a VTIMEZONE covering ``first``..``last``."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    name = text.one_line(header.name)
    cal.add("name", vText(name))
    cal.add("x-wr-calname", vText(name))
    if header.description.strip():
        cal.add("x-wr-caldesc", vText(text.feed_text(header.description.strip())))
    cal.add("x-wr-timezone", header.zone_name)
    refresh = timedelta(minutes=header.refresh_minutes)
    cal.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))
    cal.add_component(build_timezone(header.zone_name, zone, first.year, last.year))
    return cal


@lru_cache(maxsize=64)
def _envelope(header: CalendarHeader, zone: tzinfo, first_year: int, last_year: int) -> bytes:
    cal = build_calendar(header, zone, date(first_year, 1, 1), date(last_year, 12, 31))
    data = serialise(cal)
    assert data.endswith(END_CALENDAR)
    return data[: -len(END_CALENDAR)]


def render_calendar(
    header: CalendarHeader,
    events: Iterable[EventData],
    options: EventOptions,
    first: date,
    last: date,
    cache: EventCache = event_cache,
    blocks: Iterable[BlockData] = (),
) -> bytes:
    """The whole feed as bytes; events come from the cache when unchanged. Rotation
    blocks (all-day, no time zone needed) follow the sessions."""
    events = list(events)
    if events:
        first = min(first, *(e.starts_at.astimezone(options.zone).date() for e in events))
        last = max(last, *(e.ends_at.astimezone(options.zone).date() for e in events))
    head = _envelope(header, options.zone, first.year, last.year)
    body = b"".join(cache.get(event, options) for event in events)
    body += b"".join(serialise(build_block_event(block, options)) for block in blocks)
    return head + body + END_CALENDAR
