"""An institution-sized program, served as deployed: PostgreSQL, Redis, two gunicorn
instances (two workers each) behind nginx with TLS (``tests.support.deployment``).

The institution is generated here, not shipped: 2,000 residents in 20 firms, 300 faculty,
and for every weekday of the feed window 20 noon sessions in 20 rooms, one per firm. Each
resident also presents once at another firm's session, so all 2,000 personal feeds differ.

Figures and goals (issue 19):

* check-in rush: 2,000 residents check in to their 20 sessions: 0 lost, each once, p99 of
  the check-in posts < 300 ms, throughput;
* feed polling: 2,000 distinct feeds polled with conditional requests (wrk, through nginx):
  requests/s, p99, hit rate (polls answered without rendering), the largest worker's
  resident memory, which must stay under FEED_CACHE_MAX_BYTES (256 MB);
* cold herd: both instances restarted (HUP), the time until all 2,000 feeds were served
  once and the CPU seconds the workers spent on it;
* the ten most used pages: p95 through nginx < 150 ms, and the SQL queries each runs, which
  must be the same for a small program (100 residents) as for the institution.

Run alone with ``python -m bench institution`` (PostgreSQL only, whatever --backend says).
"""

from __future__ import annotations

import http.client
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bench.common import PROJECT_ROOT, log, verdict

# INSTITUTION_SMOKE=1 runs every step on a tiny program, to check the bench itself.
SMOKE = os.environ.get("INSTITUTION_SMOKE") == "1"
RESIDENTS = 60 if SMOKE else 2_000
FACULTY = 10 if SMOKE else 300
ROOMS = 4 if SMOKE else 20
SMALL = {"residents": 100, "faculty": 15, "rooms": 5}
CONCURRENCY = 32
RUSH_SECONDS = 5 if SMOKE else 60
RUSH_THREADS = 256
POLL_SECONDS = 3 if SMOKE else 20
WARM_SECONDS = 3 if SMOKE else 10
WARM_LIMIT_SECONDS = 900
POLL_CONNECTIONS = 32
CAP_BYTES = 256 * 1024 * 1024
PASSWORD = "institution-password-1234"  # noqa: S105 - synthetic accounts
CHECKIN_P99_MS = 300
PAGE_P95_MS = 150
PAGE_SAMPLES = 30


# ---------------------------------------------------------------------------
# The synthetic institution


def build_institution(residents: int, faculty: int, rooms: int) -> dict:
    """Generate the program in the current app context (commits). Returns what the
    measurements need: e-mails, today's noon sessions and who belongs where."""
    from werkzeug.security import generate_password_hash

    from conferences import timeutil
    from conferences.extensions import db
    from conferences.feeds.window import feed_window
    from conferences.people.models import Firm, Role, User, UserRole
    from conferences.program.services import bump_counter, get_settings
    from conferences.schedule.models import Session
    from conferences.teaching.models import TeachingSlot

    get_settings()
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    year = timeutil.academic_year_of(timeutil.local_today())
    firms = [Firm(name=f"Firm {n + 1:02d}") for n in range(rooms)]
    db.session.add_all(firms)
    db.session.flush()

    def people(prefix: str, count: int, **extra) -> list[User]:
        made = [
            User(
                email=f"{prefix}{n:05d}@institution.test",
                name=f"{prefix.title()} {n:05d}",
                password_hash=password_hash,
                start_year=year - (n % 3),
                **({"firm_id": firms[n % rooms].id} if prefix == "resident" else {}),
                **extra,
            )
            for n in range(count)
        ]
        db.session.add_all(made)
        db.session.flush()
        return made

    resident_users = people("resident", residents)
    faculty_users = people("faculty", faculty)
    coordinator = people("coordinator", 1)[0]
    db.session.add_all(UserRole(user_id=u.id, role=Role.RESIDENT.value) for u in resident_users)
    db.session.add_all(UserRole(user_id=u.id, role=Role.FACULTY.value) for u in faculty_users)
    db.session.add(UserRole(user_id=coordinator.id, role=Role.COORDINATOR.value))

    first, last = feed_window()
    today = timeutil.local_today()
    sessions: list[Session] = []
    day = first
    while day <= last:
        if day.weekday() < 5 and day != today:
            for room, firm in enumerate(firms):
                starts_at = timeutil.localize(day, _noon())
                sessions.append(
                    Session(
                        title=f"Noon Conference {firm.name}",
                        kind="noon_conference",
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(hours=1),
                        room=f"Room {room + 1:02d}",
                        audience={"firms": [firm.id]},
                        required=True,
                    )
                )
        day += timedelta(days=1)
    # Today's noon hour is now: check-in is open during the bench.
    now = timeutil.now_utc()
    rush = [
        Session(
            title=f"Noon Conference {firm.name}",
            kind="noon_conference",
            starts_at=now - timedelta(minutes=1),
            ends_at=now + timedelta(minutes=59),
            room=f"Room {room + 1:02d}",
            audience={"firms": [firm.id]},
            required=True,
        )
        for room, firm in enumerate(firms)
    ]
    db.session.add_all([*sessions, *rush])
    db.session.flush()

    slots = [
        TeachingSlot(session_id=s.id, role="lecturer", holder_id=faculty_users[n % faculty].id)
        for n, s in enumerate(sessions)
    ]
    # Each resident presents a case once at another firm's session: every feed differs.
    for n, resident in enumerate(resident_users):
        index = n * 7
        while sessions[index % len(sessions)].audience["firms"] == [resident.firm_id]:
            index += 1
        target = sessions[index % len(sessions)]
        slots.append(
            TeachingSlot(session_id=target.id, role="case_presenter", holder_id=resident.id)
        )
    db.session.add_all(slots)
    bump_counter()
    db.session.commit()
    by_firm = {firm.id: session for firm, session in zip(firms, rush, strict=True)}
    return {
        "residents": [(u.email, by_firm[u.firm_id].public_id) for u in resident_users],
        "resident_ids": [u.id for u in resident_users],
        "faculty": faculty_users[0].email,
        "coordinator": coordinator.email,
        "rush": [(s.public_id, s.checkin_secret, s.id) for s in rush],
        "sessions": len(sessions),
    }


def _noon():
    from datetime import time as wall

    return wall(12)


# ---------------------------------------------------------------------------
# Helpers


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _worker_pids(deployment) -> list[int]:
    return sorted(pid for i in deployment.instances for pid in i.worker_pids())


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _metric_sum(deployment, name: str, **labels) -> float:
    total = 0.0
    for instance in deployment.instances:
        for family in text_string_to_metric_families(deployment.metrics(instance)):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    total += sample.value
    return total


@contextmanager
def _counting_queries(app):
    from sqlalchemy import event

    from conferences.extensions import db

    counted = [0]

    def count(*_args):
        counted[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


# ---------------------------------------------------------------------------
# Measurements


def check_in_rush(deployment, institution, app) -> list[tuple[str, str]]:
    from sqlalchemy import func, select

    from conferences import timeutil
    from conferences.attendance import checkin as codes
    from conferences.attendance.models import Attendance, AttendanceChange
    from conferences.extensions import db
    from tests.attendance.burst import Browser

    secrets_by_session = {public_id: secret for public_id, secret, _id in institution["rush"]}
    context = deployment.ssl_context()

    def sign_in(pair):
        email, public_id = pair
        browser = Browser(deployment.base_url, ssl_context=context)
        browser.login(email, PASSWORD, csrf=True)
        code = codes.current_code(secrets_by_session[public_id], timeutil.now_utc())
        token = browser.token(f"/sessions/{public_id}/checkin?c={code}")
        return browser, public_id, token

    log(f"institution: signing in {RESIDENTS} residents through nginx")
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        phones = list(pool.map(sign_in, institution["residents"]))

    # Each resident taps at a moment of their own within the minute (an open arrival
    # process, as in a room filling up), not all in lock step.
    rng = random.Random(19)
    moments = sorted(rng.uniform(0, RUSH_SECONDS) for _ in phones)
    begin = time.perf_counter() + 1.0

    def tap(item) -> tuple[float, str | None]:
        (browser, public_id, token), moment = item
        time.sleep(max(0.0, begin + moment - time.perf_counter()))
        form = {"code": codes.current_code(secrets_by_session[public_id], timeutil.now_utc()),
                "csrf_token": token}  # fmt: skip
        started = time.perf_counter()
        try:
            status, headers, _text = browser.request("POST", f"/sessions/{public_id}/checkin", form)
        except OSError as error:
            return time.perf_counter() - started, f"connection: {error}"
        took = time.perf_counter() - started
        if status != 303 or "/checkin/done" not in headers.get("Location", ""):
            return took, f"HTTP {status}"
        return took, None

    log(f"institution: check-in rush, {RESIDENTS} taps within {RUSH_SECONDS} s")
    with ThreadPoolExecutor(RUSH_THREADS) as pool:
        outcomes = list(pool.map(tap, zip(phones, moments, strict=True)))
    seconds = time.perf_counter() - begin
    errors = [error for _took, error in outcomes if error]
    latencies = [took * 1000 for took, _error in outcomes]
    ids = [session_id for _p, _s, session_id in institution["rush"]]
    with app.app_context():
        rows = db.session.scalar(
            select(func.count()).select_from(Attendance).where(Attendance.session_id.in_(ids))
        )
        people = db.session.scalar(
            select(func.count(func.distinct(Attendance.resident_id))).where(
                Attendance.session_id.in_(ids)
            )
        )
        audits = db.session.scalar(
            select(func.count())
            .select_from(AttendanceChange)
            .where(AttendanceChange.session_id.in_(ids))
        )
        db.session.remove()
    lost = RESIDENTS - people
    p99 = _percentile(latencies, 0.99)
    once = rows == people == audits == RESIDENTS
    return [
        ("check-in rush: residents, errors", f"{RESIDENTS}, {len(errors)} {errors[:3]}"),
        ("check-in rush: lost / recorded once", f"{lost} / {once}  {verdict(lost == 0 and once)}"),
        (
            f"check-in rush: throughput (taps spread over {RUSH_SECONDS} s)",
            f"{RESIDENTS / seconds:.0f} check-ins/s, all answered in {seconds:.1f} s",
        ),
        (
            "check-in rush: p50 / p99 (goal p99 < 300 ms)",
            f"{statistics.median(latencies):.0f} / {p99:.0f} ms  {verdict(p99 < CHECKIN_P99_MS)}",
        ),
    ]


POLL_SCRIPT = """
local paths, etags = {}, {}
local n = 0
init = function(args)
  for line in io.lines(args[1]) do
    local path, etag = line:match("([^\\t]+)\\t(.*)")
    paths[#paths + 1] = path
    etags[#etags + 1] = etag
  end
  n = math.random(#paths)
end
request = function()
  n = n % #paths + 1
  return wrk.format("GET", paths[n], {["If-None-Match"] = etags[n], ["Accept-Encoding"] = "gzip"})
end
"""


def _first_polls(deployment, paths: list[str]) -> tuple[dict[str, str], float]:
    """Every feed once (gzip, as calendar clients ask): path -> ETag, and the seconds."""
    context = deployment.ssl_context()

    def one(path: str) -> tuple[str, str]:
        connection = http.client.HTTPSConnection(
            "127.0.0.1", deployment.https_port, timeout=120, context=context
        )
        try:
            connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: HTTP {response.status}")
            return path, response.getheader("ETag")
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        etags = dict(pool.map(one, paths))
    return etags, time.perf_counter() - started


def _poll_round(deployment, script: Path, table: Path, seconds: int):
    """One wrk run of conditional polls: its output, answers by status, renders."""

    def answers_now() -> dict[str, float]:
        return {s: _metric_sum(deployment, "conferences_feed_answers_total", status=s)
                for s in ("200", "304", "404")}  # fmt: skip

    def renders_now() -> float:
        return _metric_sum(
            deployment, "conferences_cache_events_total", cache="renderings", event="miss"
        )

    answers_before, renders_before = answers_now(), renders_now()
    out = subprocess.run(
        [
            shutil.which("wrk") or "wrk", "-t2", f"-c{POLL_CONNECTIONS}", f"-d{seconds}s",
            "--latency", "-s", str(script), deployment.base_url, "--", str(table),
        ],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    answers = {s: value - answers_before[s] for s, value in answers_now().items()}
    return out, answers, renders_now() - renders_before


def feed_polling(deployment, app, institution) -> list[tuple[str, str]]:
    from conferences.extensions import db
    from conferences.feeds.subscriptions import feed_token
    from conferences.people.models import User

    with app.app_context():
        users = db.session.query(User).filter(User.id.in_(institution["resident_ids"])).all()
        paths = [f"/feeds/{feed_token(user)}.ics" for user in users]
        db.session.commit()
        db.session.remove()
    time.sleep(1.1)  # every worker re-reads the subscriptions (FEED_COUNTER_TTL_SECONDS)
    log(f"institution: first poll of {len(paths)} feeds")
    etags, first_seconds = _first_polls(deployment, paths)
    distinct = len(set(etags.values()))

    script = deployment.tmp / "poll.lua"
    script.write_text(POLL_SCRIPT)
    table = deployment.tmp / "feeds.tsv"
    table.write_text("".join(f"{path}\t{etag}\n" for path, etag in etags.items()))
    # Each worker renders a feed the first time a poll of it reaches that worker: poll
    # until (nearly) every worker has every feed, then measure the steady state.
    warm_started = time.perf_counter()
    warm_polls = warm_renders = 0.0
    while time.perf_counter() - warm_started < WARM_LIMIT_SECONDS:
        _out, answers, renders = _poll_round(deployment, script, table, WARM_SECONDS)
        warm_polls += sum(answers.values())
        warm_renders += renders
        if renders <= 0.01 * sum(answers.values()):
            break
    warm_seconds = time.perf_counter() - warm_started
    log(f"institution: polling for {POLL_SECONDS} s with wrk ({POLL_CONNECTIONS} connections)")
    out, answers, renders = _poll_round(deployment, script, table, POLL_SECONDS)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    polls = sum(answers.values())
    hit_rate = 1 - renders / polls if polls else 0.0
    rss = {pid: _rss_mb(pid) for pid in _worker_pids(deployment)}
    largest = max(rss.values())
    return [
        ("feeds: distinct renderings / feeds", f"{distinct} / {len(paths)}"),
        ("feeds: first poll of every feed", f"{first_seconds:.1f} s"),
        (
            "feeds: warm-up until each worker has every feed",
            f"{warm_seconds:.0f} s, {warm_polls:.0f} polls, {warm_renders:.0f} renders",
        ),
        ("feeds: conditional polls (wrk, nginx, TLS)", f"{rps:.0f} req/s, p99 {p99}"),
        (
            "feeds: answers 304 / 200 / 404",
            f"{answers['304']:.0f} / {answers['200']:.0f} / {answers['404']:.0f}",
        ),
        ("feeds: hit rate (polls answered without rendering)", f"{hit_rate:.1%}"),
        (
            "feeds: memory per worker (RSS, goal < 256 MB)",
            f"max {largest:.0f} MB ({', '.join(f'{v:.0f}' for v in rss.values())})  "
            f"{verdict(largest * 1024 * 1024 < CAP_BYTES)}",
        ),
    ], etags


def cold_herd(deployment, etags: dict[str, str]) -> list[tuple[str, str]]:
    for instance in deployment.instances:
        old = instance.worker_pids()
        instance.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 120
        while instance.worker_pids() & old or len(instance.worker_pids()) < deployment.workers:
            if time.monotonic() > deadline:
                raise RuntimeError("workers did not restart")
            time.sleep(0.2)
        deployment.wait_healthy(instance, workers=deployment.workers)
    pids = _worker_pids(deployment)
    cpu_before = _cpu_seconds(pids)
    context = deployment.ssl_context()

    def one(item: tuple[str, str]) -> int:
        path, etag = item
        connection = http.client.HTTPSConnection(
            "127.0.0.1", deployment.https_port, timeout=120, context=context
        )
        try:
            connection.request("GET", path, headers={"If-None-Match": etag,
                                                     "Accept-Encoding": "gzip"})  # fmt: skip
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    log("institution: cold herd after restarting both instances")
    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(one, etags.items()))
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds(pids) - cpu_before
    unchanged = statuses.count(304)
    return [
        (
            "cold herd: all feeds served once after restart",
            f"{seconds:.1f} s, {cpu:.1f} CPU s in the workers ({unchanged} of {len(statuses)} 304)",
        )
    ]


PAGES = (
    ("resident home", "resident", "/"),
    ("my attendance", "resident", "/my/attendance"),
    ("schedule week", "resident", "/schedule?view=week"),
    ("schedule month", "resident", "/schedule?view=month"),
    ("my calendar", "resident", "/my-calendar"),
    ("open slots", "faculty", "/teaching/open"),
    ("reports overview", "coordinator", "/reports"),
    ("reports residents", "coordinator", "/reports/residents"),
    ("check-in display", "coordinator", "/sessions/{rush}/checkin/display"),
    ("roster", "coordinator", "/sessions/{rush}/roster"),
)


def _page_queries(app, who: dict[str, str], rush: str) -> dict[str, int]:
    """SQL queries per page, in this process, on ``app``'s database (second request:
    what every request after the first costs)."""
    app.config["WTF_CSRF_ENABLED"] = False
    counts = {}
    clients = {}
    for role, email in who.items():
        client = app.test_client()
        answer = client.post("/login", data={"email": email, "password": PASSWORD})
        if answer.status_code != 302:
            raise RuntimeError(f"sign-in of {email} failed in process: {answer.status_code}")
        clients[role] = client
    for name, role, path in PAGES:
        url = path.format(rush=rush)
        clients[role].get(url)
        with _counting_queries(app) as counted:
            answer = clients[role].get(url)
        if answer.status_code != 200:
            raise RuntimeError(f"{name} ({url}): HTTP {answer.status_code}")
        counts[name] = counted[0]
    return counts


def _who(institution: dict) -> dict[str, str]:
    return {"resident": institution["residents"][0][0], "faculty": institution["faculty"],
            "coordinator": institution["coordinator"]}  # fmt: skip


def page_queries(app, institution, small_app, small) -> tuple[dict, dict]:
    """(small, large) queries per page."""
    return (
        _page_queries(small_app, _who(small), small["residents"][0][1]),
        _page_queries(app, _who(institution), institution["residents"][0][1]),
    )


def pages(deployment, institution, queries) -> list[tuple[str, str]]:
    from tests.attendance.burst import Browser

    context = deployment.ssl_context()
    browsers = {}
    for role, email in _who(institution).items():
        browsers[role] = Browser(deployment.base_url, ssl_context=context)
        browsers[role].login(email, PASSWORD, csrf=True)
    rush = institution["residents"][0][1]
    small_queries, large_queries = queries
    rows = []
    for name, role, path in PAGES:
        url = path.format(rush=rush)
        timings = []
        for _ in range(PAGE_SAMPLES):
            started = time.perf_counter()
            status, _headers, _text = browsers[role].request("GET", url)
            timings.append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"{name} ({url}): HTTP {status}")
        p95 = _percentile(timings, 0.95)
        same = large_queries[name] == small_queries[name]
        rows.append(
            (
                f"page {name}: p95, queries (100 -> 2,000 residents)",
                f"{p95:.0f} ms {verdict(p95 < PAGE_P95_MS)}, "
                f"{small_queries[name]} -> {large_queries[name]} {verdict(same)}",
            )
        )
    return rows


# ---------------------------------------------------------------------------


def run() -> list[tuple[str, str]]:
    import sys

    sys.path.insert(0, str(PROJECT_ROOT))
    from conferences import create_app
    from conferences.extensions import db
    from tests.support.deployment import SECRET_KEY, Deployment

    base = Path(tempfile.mkdtemp(prefix="conferences-institution-"))
    try:
        with Deployment(base_dir=base) as deployment:
            settings = {"SECRET_KEY": SECRET_KEY, "BASE_URL": deployment.base_url,
                        "TESTING": True}  # fmt: skip
            app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": deployment.database_url})
            small_url = deployment.postgres.create_database("small")
            small_app = create_app({**settings, "SQLALCHEMY_DATABASE_URI": small_url})
            started = time.perf_counter()
            with small_app.app_context():
                db.create_all()
                small = build_institution(**SMALL)
            with app.app_context():
                institution = build_institution(RESIDENTS, FACULTY, ROOMS)
            log(
                f"institution: {RESIDENTS} residents, {FACULTY} faculty, "
                f"{institution['sessions']} sessions in {time.perf_counter() - started:.0f} s"
            )
            # Queries per page in the same state for both sizes (before any check-in).
            queries = page_queries(app, institution, small_app, small)
            rows = check_in_rush(deployment, institution, app)
            feed_rows, etags = feed_polling(deployment, app, institution)
            rows += feed_rows
            rows += cold_herd(deployment, etags)
            rows += pages(deployment, institution, queries)
            for application in (app, small_app):
                with application.app_context():
                    db.session.remove()
                    db.engine.dispose()
            return rows
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    from bench.__main__ import print_table

    print_table([("postgresql", "institution", label, value) for label, value in run()])
