"""The program overview, kept in each server process and revalidated on every request.

Working out the overview evaluates the attendance rules for every resident and session
of the range (hundreds of milliseconds at an institution's size); the report pages ask
for it on every request, with the same filters, while nothing changed. So each process
keeps the last few overviews, each with what it was worked out from:

* the ``attendance`` change counter (``attendance.change_counter``), read from the
  database on every request, in the request's transaction: every change the numbers
  depend on (a mark, a check-in, an excusal, a claim, a recording, a roster, a session,
  a setting...) moves it in the transaction that makes the change, so a change made on
  any worker or host is seen by the next request everywhere;
* the sessions already held: the rules treat a session as held once it has started, so
  an overview stays right only until the next session of its range starts (and from
  the start of the last one it counted as held, for a clock set back in tests).

The counter is read before the overview is worked out, so an overview is never stored
under a counter newer than the data it was made from. The cache is only a cache: each
process has its own, a restart empties it, and nothing is ever served without the check.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from threading import Lock

from flask import current_app

from conferences import timeutil
from conferences.attendance.change_counter import current_value
from conferences.reports.filters import Filters
from conferences.reports.overview import Overview, overview

# Overviews kept per process (the filters coordinators use at once: a year, a firm, a
# class); each is a few megabytes at 2,000 residents.
KEPT = 8


@dataclass(frozen=True)
class _Kept:
    counter: int
    # The overview holds while held_from <= now < held_until (None: no bound).
    held_from: datetime | None
    held_until: datetime | None
    view: Overview

    def holds(self, counter: int, now: datetime) -> bool:
        return (
            counter == self.counter
            and (self.held_from is None or self.held_from <= now)
            and (self.held_until is None or now < self.held_until)
        )


class OverviewCache:
    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._kept: OrderedDict[Filters, _Kept] = OrderedDict()
        self._lock = Lock()
        self.hits = 0
        self.misses = 0

    def get(self, filters: Filters, counter: int, now: datetime) -> Overview | None:
        with self._lock:
            kept = self._kept.get(filters)
            if kept is None or not kept.holds(counter, now):
                self.misses += 1
                return None
            self._kept.move_to_end(filters)
            self.hits += 1
            return kept.view

    def put(self, filters: Filters, counter: int, now: datetime, view: Overview) -> None:
        held_from = held_until = None
        for session in view.evaluation.sessions:  # in order of start
            if session.starts_at <= now:
                held_from = session.starts_at
            else:
                held_until = session.starts_at
                break
        with self._lock:
            self._kept[filters] = _Kept(counter, held_from, held_until, view)
            self._kept.move_to_end(filters)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


_cache_lock = Lock()


def cache() -> OverviewCache:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    found = app.extensions.get("report_overviews")
    if found is None:
        with _cache_lock:
            found = app.extensions.setdefault("report_overviews", OverviewCache())
    return found


def current_overview(filters: Filters) -> Overview:
    """``overview(filters)`` as of now, from this process's cache when nothing it depends
    on changed since it was worked out (one query to know), else worked out and kept."""
    counter = current_value()
    now = timeutil.now_utc()
    store = cache()
    found = store.get(filters, counter, now)
    if found is None:
        found = overview(filters, now=now)
        store.put(filters, counter, now, found)
    return found
