"""Check-in burst: 300 residents tap "Check in" at once (16 in flight) through gunicorn.

On the demo database of the chosen backend (``python -m bench --backend ...``), 300 more
residents sign in through the real login form, open the confirm page (as after scanning
the QR code) and post it with their CSRF token; only the posts are timed.
Target: all 300 recorded exactly once, 0 errors, under 3 s on SQLite.

``python -m bench.attendance`` runs both backends.
"""

from __future__ import annotations

from sqlalchemy import func, select

from bench.common import (
    BACKENDS,
    GunicornServer,
    backend,
    log,
    make_app,
    prepare_demo_database,
    verdict,
)

RESIDENTS = 300
CONCURRENCY = 16
TARGET_SECONDS_SQLITE = 3.0


def burst_app():
    """The real app without the login rate limit (300 sign-ins come from one address).

    Used as ``gunicorn 'bench.attendance:burst_app()'``; configured from the environment.
    """
    from conferences import create_app

    return create_app({"RATELIMIT_ENABLED": False})


def run_backend(backend_name: str) -> list[tuple[str, str]]:
    from conferences import timeutil
    from conferences.attendance import checkin as codes
    from conferences.attendance.models import Attendance, AttendanceChange
    from conferences.extensions import db
    from conferences.schedule.models import Session
    from tests.attendance.burst import burst, create_burst_fixture, login_all

    url = prepare_demo_database(backend_name)
    app = make_app(url)
    with app.app_context():
        public_id, emails = create_burst_fixture(RESIDENTS)
        session_id, secret = db.session.execute(
            select(Session.id, Session.checkin_secret).where(Session.public_id == public_id)
        ).one()
        db.session.remove()

    def code() -> str:
        return codes.current_code(secret, timeutil.now_utc())

    with GunicornServer(url, workers=2, threads=8, app="bench.attendance:burst_app()") as server:
        log(f"attendance: signing in {RESIDENTS} residents ({backend_name})")
        browsers = login_all(server.url, emails, csrf=True, workers=CONCURRENCY)
        result = burst(browsers, public_id, code, csrf=True, workers=CONCURRENCY)
        again = burst(browsers[:50], public_id, code, csrf=True, workers=CONCURRENCY)

    with app.app_context():

        def count(model) -> int:
            return (
                db.session.scalar(
                    select(func.count()).select_from(model).where(model.session_id == session_id)
                )
                or 0
            )

        recorded, audited = count(Attendance), count(AttendanceChange)
        db.session.remove()
        db.engine.dispose()

    locked = sum("locked" in error for error in result.errors)
    ok = recorded == audited == RESIDENTS and not result.errors and not again.errors
    if backend_name == "sqlite":
        ok = ok and result.seconds < TARGET_SECONDS_SQLITE
    figure = (
        f"{recorded}/{RESIDENTS} recorded ({audited} audit rows), {len(result.errors)} errors"
        f" ({locked} 'database is locked'), {result.seconds:.2f} s"
        f" = {RESIDENTS / result.seconds:.0f}/s"
    )
    if result.errors:
        figure += f"; first error: {result.errors[0][:100]}"
    target = " (target < 3 s)" if backend_name == "sqlite" else ""
    return [
        (f"burst of {RESIDENTS} check-ins, 16 at a time", f"{figure}{target} {verdict(ok)}"),
        (
            "  50 repeated check-ins",
            f"{again.ok}/50 answered 'already checked in', {len(again.errors)} errors,"
            f" {again.seconds:.2f} s",
        ),
    ]


def run() -> list[tuple[str, str]]:
    return run_backend(backend())


if __name__ == "__main__":
    for name in BACKENDS:
        for label, value in run_backend(name):
            print(f"{name:<10} {label:<44} {value}")
