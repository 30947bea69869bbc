"""Shared benchmark harness: a demo database, a real gunicorn server, and wrk.

* ``prepare_demo_database(backend)`` -> database URL with migrations and the demo program
  (prepared once per bench run and reused).
* ``GunicornServer(database_url, ...)`` runs the real WSGI app under gunicorn (gthread
  workers, keep-alive) on a free localhost port.
* ``wrk(url, ...)`` drives it with connections kept open and returns the figures.
* ``make_app(database_url)`` is the same app in this process, for timing services.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from flask import Flask, Response

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - shared with the servers
BACKENDS = ("sqlite", "postgresql")

_workdir: Path | None = None
_databases: dict[str, str] = {}
_servers: list = []


def backend() -> str:
    """The backend of this bench run (``python -m bench --backend``; default sqlite)."""
    chosen = os.environ.get("BENCH_BACKEND", "sqlite")
    if chosen not in BACKENDS:
        raise SystemExit(f"BENCH_BACKEND must be one of {', '.join(BACKENDS)}, not {chosen!r}")
    return chosen


def workdir() -> Path:
    """A temp directory for this bench run, removed at exit."""
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="conferences-bench-"))
        atexit.register(shutil.rmtree, _workdir, ignore_errors=True)
        os.environ.setdefault("INSTANCE_PATH", str(_workdir / "instance"))
    return _workdir


def log(message: str) -> None:
    print(f"  · {message}", file=sys.stderr, flush=True)


def make_app(database_url: str) -> Flask:
    """The application in this process, on the bench database, with the servers' secret."""
    workdir()
    from conferences import create_app

    return create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": BENCH_SECRET, "TESTING": False}
    )


def prepare_demo_database(backend_name: str | None = None) -> str:
    """A database with the schema (migrations) and the demo program; once per run."""
    backend_name = backend_name or backend()
    if backend_name in _databases:
        return _databases[backend_name]
    if backend_name == "sqlite":
        url = f"sqlite:///{workdir() / 'bench.db'}"
    elif backend_name == "postgresql":
        sys.path.insert(0, str(PROJECT_ROOT))
        from tests.support.pgserver import ThrowawayPostgres

        server = ThrowawayPostgres().start()
        atexit.register(server.stop)
        url = server.create_database("bench")
    else:
        raise ValueError(backend_name)
    started = time.perf_counter()
    app = make_app(url)
    with app.app_context():
        from flask_migrate import upgrade

        from conferences import MIGRATIONS_DIR

        upgrade(directory=MIGRATIONS_DIR)
        load_demo_tolerantly()
    with app.app_context():
        from conferences.extensions import db

        db.engine.dispose()
    log(f"{backend_name} demo database ready in {time.perf_counter() - started:.1f} s")
    _databases[backend_name] = url
    return url


def load_demo_tolerantly(seed: int = 2026) -> list[str]:
    """Run each demo loader, committing after each; a loader that fails is reported and
    skipped (the demo is still growing). Returns the names of the loaders that failed."""
    import random

    from conferences import demo, timeutil
    from conferences.extensions import db

    today = timeutil.local_today()
    ctx = demo.DemoContext(
        rng=random.Random(seed), today=today, academic_year=timeutil.academic_year_of(today)
    )
    ctx.log = lambda _message: None  # type: ignore[method-assign]
    failed: list[str] = []
    for loader in demo.loaders():
        name = loader.__name__.removeprefix("conferences.")
        try:
            loader.load(ctx)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            failed.append(name)
            detail = traceback.format_exception_only(exc)[-1].strip()
            log(f"demo loader {name} failed, continuing without it: {detail}")
    return failed


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_app() -> Flask:
    """The real application plus two bench-only endpoints returning precomputed bytes,
    the yardsticks for "as fast as serving a static answer":

    * ``/_bench/bytes/<size>``: a Flask route (the app's hooks and headers included);
    * ``/_bench/wsgi-bytes/<size>``: bare WSGI in front of the app, no framework at all.

    Used as ``gunicorn 'bench.common:bench_app()'``; production code has no such route.
    """
    from conferences import create_app

    app = create_app()
    bodies: dict[int, bytes] = {}

    def body_of(size: int) -> bytes:
        body = bodies.get(size)
        if body is None:
            body = bodies.setdefault(size, (b"BEGIN:VEVENT\r\n" * (size // 14 + 1))[:size])
        return body

    def precomputed(size: int) -> Response:
        return Response(body_of(size), content_type="text/calendar; charset=utf-8")

    app.add_url_rule("/_bench/bytes/<int:size>", "bench_bytes", precomputed)

    inner = app.wsgi_app
    prefix = "/_bench/wsgi-bytes/"

    def bare_bytes(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(prefix):
            return inner(environ, start_response)
        body = body_of(int(path[len(prefix) :]))
        headers = [
            ("Content-Type", "text/calendar; charset=utf-8"),
            ("Content-Length", str(len(body))),
        ]
        start_response("200 OK", headers)
        return [body]

    app.wsgi_app = bare_bytes  # type: ignore[method-assign]
    return app


class GunicornServer:
    """``with GunicornServer(url) as server: server.url``: the app under real gunicorn."""

    def __init__(
        self,
        database_url: str,
        workers: int = 2,
        threads: int = 4,
        app: str = "bench.common:bench_app()",
        env: dict | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.database_url = database_url
        self.workers = workers
        self.threads = threads
        self.app = app
        self.extra_env = env or {}
        self.startup_timeout = startup_timeout
        self.port: int | None = None
        self.process: subprocess.Popen | None = None
        self._log_path: Path | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("server not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GunicornServer:
        self.port = free_port()
        instance = Path(tempfile.mkdtemp(prefix="instance-", dir=workdir()))
        self._log_path = instance / "gunicorn.log"
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "INSTANCE_PATH": str(instance),
            "SECRET_KEY": BENCH_SECRET,
            "PYTHONPATH": str(PROJECT_ROOT),
            **self.extra_env,
        }
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--worker-class",
            "gthread",
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
            "--keep-alive",
            "60",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            self.app,
        ]
        with self._log_path.open("wb") as log_file:
            self.process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT
            )
        _servers.append(self)
        self._wait_until_ready()
        return self

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not become ready:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no log)"
        return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)

    def __enter__(self) -> GunicornServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@atexit.register
def _stop_servers() -> None:
    for server in _servers:
        server.stop()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    url: str,
    seconds: int = 5,
    connections: int = 16,
    headers: dict | None = None,
    threads: int = 2,
) -> dict:
    """Load ``url`` with wrk (connections kept open); returns rps, latency_ms (mean),
    p50_ms, p99_ms, requests and errors (socket errors and non-2xx/3xx answers)."""
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk is not installed: run scripts/ensure-system-deps.sh")
    command = [binary, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(url)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = re.search(r"Latency\s+([\d.]+\w+)", out).group(1)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out).group(1)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if bad:
        errors += int(bad.group(1))
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return {
        "rps": rps,
        "latency_ms": _ms(latency),
        "p50_ms": _ms(p50),
        "p99_ms": _ms(p99),
        "requests": requests,
        "errors": errors,
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"
