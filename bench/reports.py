"""Report speed: the program overview on the full demo year, and the Excel export.

Targets (issue 8): overview under 0.5 s on SQLite and PostgreSQL with a query count that
does not depend on the number of residents or sessions; Excel export of the per-resident
table under 2 s.

Uses ``bench.common`` (the run's backend and its demo database) when it exists; otherwise
builds its own databases with the demo loader, on both backends. When the demo has no
attendance marks yet, marks are added (about 75 % present, 5 % late) so the numbers are
realistic.
"""

from __future__ import annotations

import gc
import os
import random
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, insert, select

OVERVIEW_TARGET_S = 0.5
EXPORT_TARGET_S = 2.0


@contextmanager
def _own_demo_app(backend: str) -> Iterator:
    from conferences import create_app
    from conferences.demo import load_demo
    from conferences.extensions import db

    with tempfile.TemporaryDirectory(prefix="bench-reports-") as tmp:
        os.environ.setdefault("INSTANCE_PATH", tmp)
        server = None
        if backend == "postgresql":
            from tests.support.pgserver import ThrowawayPostgres

            server = ThrowawayPostgres().start()
            server.create_database("bench_reports")
            url = server.url("bench_reports")
        else:
            url = f"sqlite:///{tmp}/bench.db"
        try:
            app = create_app(
                {"SQLALCHEMY_DATABASE_URI": url, "MAIL_BACKEND": "outbox", "TESTING": True}
            )
            with app.app_context():
                db.create_all()
                import contextlib
                import io

                with contextlib.redirect_stdout(io.StringIO()):
                    load_demo()
                db.session.commit()
            yield app
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        finally:
            if server is not None:
                server.stop()


def _ensure_marks() -> int:
    """Add attendance marks to held sessions when the demo has none. Returns rows added."""
    from conferences import timeutil
    from conferences.attendance.evaluation import evaluate
    from conferences.attendance.models import Attendance
    from conferences.extensions import db

    if db.session.scalar(select(func.count()).select_from(Attendance)):
        return 0
    rng = random.Random(8)
    year = timeutil.current_academic_year()
    start_on, end_on = timeutil.academic_year_bounds(year)
    evaluation = evaluate(start_on, end_on)
    rows = []
    # Each resident has their own habit, so some fall below the threshold.
    habit = {rid: rng.uniform(0.5, 0.95) for rid in evaluation.residents}
    for session in evaluation.held_counted():
        for rid in evaluation.expected[session.id]:
            roll = rng.random()
            if roll < habit[rid]:
                mark = "present"
            elif roll < habit[rid] + 0.05:
                mark = "late"
            else:
                continue
            rows.append(
                {
                    "session_id": session.id,
                    "resident_id": rid,
                    "mark": mark,
                    "source": "checkin",
                    "checked_in_at": session.starts_at,
                    "updated_at": session.starts_at,
                }
            )
    for i in range(0, len(rows), 5000):
        db.session.execute(insert(Attendance), rows[i : i + 5000])
    db.session.commit()
    return len(rows)


@contextmanager
def _count_queries(engine) -> Iterator[list[int]]:
    counter = [0]

    def on_execute(*_args):
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def _measure(app, backend: str) -> list[tuple[str, str]]:
    from conferences.extensions import db
    from conferences.reports import exports
    from conferences.reports.filters import Filters
    from conferences.reports.overview import overview, resident_table

    results: list[tuple[str, str]] = []
    with app.app_context():
        added = _ensure_marks()
        # Measure as a request would run: a fresh session, not one holding the demo's objects.
        db.session.remove()
        gc.collect()
        filters = Filters.default()
        overview(filters)  # warm-up (settings row, statement caches)
        db.session.expire_all()
        timings = []
        for _ in range(3):
            db.session.expire_all()
            with _count_queries(db.engine) as queries:
                started = time.perf_counter()
                view = overview(filters)
                timings.append(time.perf_counter() - started)
        best = min(timings)
        held = view.held_sessions
        results.append(
            (
                f"reports overview ({backend})",
                f"{best * 1000:.0f} ms, {queries[0]} queries; {len(view.residents)} residents, "
                f"{held} required sessions held, {view.total.expected} expected pairs"
                + (f" ({added} synthetic marks)" if added else "")
                + (" OK" if best < OVERVIEW_TARGET_S else " FAIL"),
            )
        )
        started = time.perf_counter()
        view = overview(filters)
        body = exports.to_xlsx([resident_table(view)])
        export_s = time.perf_counter() - started
        results.append(
            (
                f"reports residents Excel export ({backend})",
                f"{export_s * 1000:.0f} ms, {len(body) // 1024} KiB"
                + (" OK" if export_s < EXPORT_TARGET_S else " FAIL"),
            )
        )
    return results


def run() -> list[tuple[str, str]]:
    """On the bench run's backend (``python -m bench --backend``), or both when run alone."""
    try:
        from bench import common
    except ImportError:
        common = None
    if common is not None:
        name = common.backend()
        return _measure(common.make_app(common.prepare_demo_database(name)), name)
    results: list[tuple[str, str]] = []
    for name in ("sqlite", "postgresql"):
        with _own_demo_app(name) as app:
            results += _measure(app, name)
    return results


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:<45} {value}")
