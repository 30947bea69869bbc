"""Schedule speed: generating a year of a weekday series, and the month view of the demo.

Run: ``.venv/bin/python -m bench.schedule`` (SQLite, throwaway databases).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, select

REPEATS = 15


def _app(directory: Path, name: str):
    from conferences import create_app
    from conferences.extensions import db

    os.environ.setdefault("INSTANCE_PATH", str(directory))
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / name}",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "outbox",
        }
    )
    with app.app_context():
        db.create_all()
    return app


def bench_generation(directory: Path) -> list[tuple[str, str]]:
    from conferences import timeutil
    from conferences.extensions import db
    from conferences.schedule import series_changes, signals
    from conferences.schedule.holidays import add_holiday, prefill_federal_holidays

    app = _app(directory, "generate.db")
    with app.app_context():
        year = timeutil.current_academic_year()
        first, last = timeutil.academic_year_bounds(year)
        prefill_federal_holidays(year)
        add_holiday("Winter break", first.replace(month=12, day=24), last.replace(month=1, day=1))
        figures = []
        for n, muted in enumerate((None, False, True)):
            series = series_changes.create_series(
                {
                    "title": f"Noon Conference {n}",
                    "kind": "noon_conference",
                    "start_time": time_of(12),
                    "end_time": time_of(13),
                    "weekdays": [0, 1, 2, 3, 4],
                    "starts_on": first,
                    "ends_on": last,
                    "required": True,
                    "topics": ["general"],
                },
                actor=None,
                confirm_past=True,
            )
            if muted is None:
                # Warm-up, as in a running server: a week of another series.
                series.ends_on = first.replace(day=7)
            db.session.commit()
            started = time.perf_counter()
            if muted:
                # The schedule's own share: listeners (teaching's slot templates) muted.
                with signals.session_changed.muted():
                    result = series_changes.generate_sessions(series, actor=None)
            else:
                result = series_changes.generate_sessions(series, actor=None)
            db.session.commit()
            figures.append((time.perf_counter() - started, result))
    _, (full, result), (own, _) = figures
    return [
        (
            "generate a year of a weekday series (SQLite)",
            f"{full * 1000:.0f} ms for {result.created_count} sessions, "
            f"{result.skipped_count} holiday dates skipped, incl. every listener "
            "(budget 500 ms)",
        ),
        ("  same, listeners muted (the schedule's own share)", f"{own * 1000:.0f} ms"),
    ]


def time_of(hour: int):
    from datetime import time as wall

    return wall(hour)


def bench_month_view(directory: Path) -> list[tuple[str, str]]:
    from conferences import timeutil
    from conferences.auth import sessions as sign_ins
    from conferences.demo import load_demo
    from conferences.extensions import db
    from conferences.people.models import User
    from conferences.schedule.models import Session

    app = _app(directory, "demo.db")
    with app.app_context():
        started = time.perf_counter()
        load_demo()
        db.session.commit()
        demo_seconds = time.perf_counter() - started
        sessions = db.session.query(Session).count()
        coordinator = db.session.scalar(select(User).where(User.email == "coordinator@demo.test"))
        if coordinator is None:
            raise SystemExit("the demo has no coordinator@demo.test account")
        token = sign_ins.start(coordinator, method="password", remember=False)
        db.session.commit()
        anchor = timeutil.local_today().isoformat()
    client = app.test_client()
    with client.session_transaction() as browser_session:
        browser_session["_user_id"] = token
        browser_session["_fresh"] = True
    url = f"/schedule?view=month&date={anchor}"
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    assert client.get(url).status_code == 200  # warm the template cache
    timings = []
    counts = set()
    event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(REPEATS):
            statements.clear()
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            counts.add(len(statements))
            assert response.status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    shown = response.data.count(b'class="session-item')
    return [
        ("demo program loaded", f"{sessions} sessions in {demo_seconds:.1f} s (all loaders)"),
        (
            "month view of the demo program (SQLite)",
            f"median {statistics.median(timings) * 1000:.0f} ms, "
            f"max {max(timings) * 1000:.0f} ms over {REPEATS} renders, "
            f"{shown} sessions shown (budget 150 ms)",
        ),
        ("month view SQL queries", ", ".join(str(c) for c in sorted(counts))),
    ]


def run() -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-schedule-") as tmp:
        directory = Path(tmp)
        return bench_generation(directory) + bench_month_view(directory)


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<45} {figure}")
