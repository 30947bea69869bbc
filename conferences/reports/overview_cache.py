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
process has its own, bounded by ``REPORT_CACHE_MAX_BYTES`` (estimated), a restart
empties it, and nothing is ever served without the check.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from conferences import timeutil
from conferences.attendance.change_counter import current_value
from conferences.lru import LRU, per_app
from conferences.reports.filters import Filters
from conferences.reports.overview import Overview, overview

# What a kept overview costs, estimated from what it holds (measured at 2,000 residents
# and 4,000 sessions: about 4 MB without marks, plus about 110 bytes per attended mark
# once the marks themselves are dropped, ``Evaluation.without_marks``).
BYTES_PER_ROW = 800  # a session or a resident
BYTES_PER_MARK = 120


def estimated_bytes(view: Overview, marks: int) -> int:
    evaluation = view.evaluation
    return BYTES_PER_ROW * (len(evaluation.sessions) + len(view.residents)) + BYTES_PER_MARK * marks


@dataclass(frozen=True)
class _Kept:
    counter: int
    # The overview holds while held_from <= now < held_until (None: no bound).
    held_from: datetime | None
    held_until: datetime | None
    view: Overview
    size: int

    def holds(self, counter: int, now: datetime) -> bool:
        return (
            counter == self.counter
            and (self.held_from is None or self.held_from <= now)
            and (self.held_until is None or now < self.held_until)
        )


class OverviewCache:
    """Overviews by filters, bounded by their estimated bytes, least recently used out
    (one larger than the whole bound is not kept)."""

    def __init__(self, max_bytes: int = 128 * 1024 * 1024) -> None:
        self._kept = LRU("report_overviews", max_bytes=max_bytes, sizeof=lambda kept: kept.size)
        self.hits = 0
        self.misses = 0

    def get(self, filters: Filters, counter: int, now: datetime) -> Overview | None:
        kept = self._kept.get(filters, valid=lambda kept: kept.holds(counter, now))
        if kept is None:
            self.misses += 1
            return None
        self.hits += 1
        return kept.view

    def put(self, filters: Filters, counter: int, now: datetime, view: Overview) -> Overview:
        """Keep ``view`` (its evaluation without the marks, which the report pages do not
        read) and return what was kept."""
        size = estimated_bytes(view, view.evaluation.mark_count())
        view = replace(view, evaluation=view.evaluation.without_marks())
        held_from = held_until = None
        for session in view.evaluation.sessions:  # in order of start
            if session.starts_at <= now:
                held_from = session.starts_at
            else:
                held_until = session.starts_at
                break
        self._kept.put(filters, _Kept(counter, held_from, held_until, view, size))
        return view

    @property
    def size(self) -> int:
        return self._kept.bytes

    def __len__(self) -> int:
        return len(self._kept)

    def clear(self) -> None:
        self._kept.clear()


def cache() -> OverviewCache:
    return per_app(
        "report_overviews", lambda app: OverviewCache(int(app.config["REPORT_CACHE_MAX_BYTES"]))
    )


def current_overview(filters: Filters) -> Overview:
    """``overview(filters)`` as of now, from this process's cache when nothing it depends
    on changed since it was worked out (one query to know), else worked out and kept."""
    counter = current_value()
    now = timeutil.now_utc()
    store = cache()
    found = store.get(filters, counter, now)
    if found is None:
        found = store.put(filters, counter, now, overview(filters, now=now))
    return found
