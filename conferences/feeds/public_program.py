"""The public program page: public series and their upcoming sessions, for anyone.

Off unless the program turns it on (``ProgramSettings.public_program``). Reads only the
columns it shows (titles, times, rooms, cancellations): never video links, descriptions or
names of the people teaching or attending, so nothing private can reach the page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Blueprint, abort, render_template, url_for
from sqlalchemy import select

from conferences import timeutil
from conferences.config import public_url
from conferences.extensions import db
from conferences.feeds.views import webcal_url
from conferences.program.models import ProgramSettings
from conferences.schedule.models import KIND_LABELS, Series, Session

bp = Blueprint("public", __name__)

# How far ahead the page lists sessions, and at most how many per series.
WEEKS_AHEAD = 8
PER_SERIES = 12


@dataclass
class PublicSession:
    public_id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    room: str
    cancelled: bool


@dataclass
class PublicSeries:
    id: int
    slug: str
    title: str
    kind_label: str
    room: str
    sessions: list[PublicSession] = field(default_factory=list)
    more: int = 0  # upcoming sessions in the period beyond those listed


def is_published() -> bool:
    """Whether the program publishes /program (read without creating the settings row)."""
    settings = db.session.get(ProgramSettings, 1)
    return bool(settings is not None and settings.public_program)


def public_program(now: datetime | None = None) -> list[PublicSeries]:
    """Public series (by title) and their sessions of the coming weeks: two queries."""
    now = now or timeutil.now_utc()
    listed: dict[int, PublicSeries] = {}
    for sid, slug, title, kind, room in db.session.execute(
        select(Series.id, Series.slug, Series.title, Series.kind, Series.room)
        .where(Series.public.is_(True))
        .order_by(Series.title, Series.id)
    ):
        kind_label = {k.value: label for k, label in KIND_LABELS.items()}.get(kind, kind)
        listed[sid] = PublicSeries(sid, slug, title, kind_label, room)
    if not listed:
        return []
    rows = db.session.execute(
        select(
            Session.series_id,
            Session.public_id,
            Session.title,
            Session.starts_at,
            Session.ends_at,
            Session.room,
            Session.status,
        )
        .where(Session.series_id.in_(list(listed)))
        .where(Session.ends_at > now, Session.starts_at < now + timedelta(weeks=WEEKS_AHEAD))
        .order_by(Session.starts_at, Session.id)
    )
    for sid, public_id, title, starts_at, ends_at, room, status in rows:
        series = listed[sid]
        if len(series.sessions) >= PER_SERIES:
            series.more += 1
            continue
        series.sessions.append(
            PublicSession(public_id, title, starts_at, ends_at, room, status == "cancelled")
        )
    return list(listed.values())


@bp.app_context_processor
def _published_helper() -> dict:
    return {"public_program_published": is_published}


@bp.get("/program")
def program():
    """The public series and their upcoming sessions, with feeds to subscribe to."""
    if not is_published():
        abort(404)
    series = public_program()
    feeds = {}
    for s in series:
        url = public_url(url_for("feeds.series_feed", slug=s.slug))
        feeds[s.id] = (url, webcal_url(url))
    return render_template(
        "feeds/public_program.html", series=series, feeds=feeds, weeks=WEEKS_AHEAD
    )
