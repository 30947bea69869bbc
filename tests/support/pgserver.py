"""A disposable PostgreSQL server for tests: initdb into a temp dir, serve on a free port."""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg
from psycopg import sql

PG_USER = "postgres"
HOST = "127.0.0.1"
REQUIRED_BINARIES = ("initdb", "pg_ctl", "postgres")
SERVER_SETTINGS = {
    "listen_addresses": HOST,
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "200",
}
_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresError(RuntimeError):
    """The throwaway server could not be set up or used."""


def _version_key(bindir: str) -> tuple[int, ...]:
    version = Path(bindir).parent.name
    return tuple(int(part) for part in re.findall(r"\d+", version)) or (0,)


def _has_binaries(bindir: Path) -> bool:
    return all(os.access(bindir / name, os.X_OK) for name in REQUIRED_BINARIES)


def candidate_bindirs() -> list[Path]:
    """Directories that may hold the server binaries, in order of preference."""
    found: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, check=True, timeout=10
            ).stdout.strip()
            if out:
                found.append(Path(out))
    on_path = shutil.which("initdb")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    found.extend(
        Path(d) for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key)[::-1]
    )
    return list(dict.fromkeys(found))


def find_bindir() -> Path:
    """The first directory holding initdb, pg_ctl and postgres; raises if there is none."""
    candidates = candidate_bindirs()
    for bindir in candidates:
        if _has_binaries(bindir):
            return bindir
    searched = ", ".join(str(c) for c in candidates) or "nothing found"
    raise PostgresError(
        f"PostgreSQL server binaries ({', '.join(REQUIRED_BINARIES)}) not found "
        f"(searched: {searched}); run scripts/ensure-system-deps.sh"
    )


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _ensure_pg_user() -> None:
    if subprocess.run(["id", "-u", PG_USER], capture_output=True, check=False).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", PG_USER],
            check=True,
            capture_output=True,
        )


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"


class ThrowawayPostgres:
    """A private PostgreSQL cluster that lives in a temp dir for the duration of a test run.

    Usage::

        with ThrowawayPostgres() as pg:
            url = pg.create_database("app_test")
    """

    def __init__(
        self,
        *,
        bindir: Path | str | None = None,
        base_dir: Path | str | None = None,
        startup_timeout: float = 60.0,
    ) -> None:
        self.bindir = Path(bindir) if bindir else None
        self._bindir: Path | None = None
        self.base_dir = Path(base_dir) if base_dir else None
        self.startup_timeout = startup_timeout
        self.host = HOST
        self.port: int | None = None
        self.tmpdir: Path | None = None
        self._as_root = os.geteuid() == 0

    @property
    def datadir(self) -> Path:
        return self._require_tmpdir() / "data"

    @property
    def logfile(self) -> Path:
        return self._require_tmpdir() / "server.log"

    @property
    def running(self) -> bool:
        return self.port is not None

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL for `dbname` on this server."""
        return f"postgresql+psycopg://{PG_USER}@{self.host}:{self._require_port()}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        """libpq/psycopg connection string for `dbname` on this server."""
        return f"host={self.host} port={self._require_port()} user={PG_USER} dbname={dbname}"

    def connect(self, dbname: str = "postgres", *, autocommit: bool = False) -> psycopg.Connection:
        return psycopg.connect(self.dsn(dbname), connect_timeout=10, autocommit=autocommit)

    def create_database(self, name: str, *, template: str | None = None) -> str:
        """Create database `name` (optionally cloned from `template`); return its URL."""
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(_check_name(name)))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(_check_name(template)))
        with self.connect(autocommit=True) as conn:
            conn.execute(query)
        return self.url(name)

    def drop_database(self, name: str) -> None:
        query = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(_check_name(name))
        )
        with self.connect(autocommit=True) as conn:
            conn.execute(query)

    def start(self) -> ThrowawayPostgres:
        if self.running:
            return self
        bindir = self._bindir = self.bindir or find_bindir()
        if self._as_root:
            _ensure_pg_user()
        self.tmpdir = Path(tempfile.mkdtemp(prefix="pgtest-", dir=self.base_dir))
        atexit.register(self.stop)
        try:
            if self._as_root:
                _check_traversable(self.tmpdir.parent)
                shutil.chown(self.tmpdir, user=PG_USER)
            self._initdb(bindir)
            self._write_config()
            self._start_server(bindir)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        tmpdir, self.tmpdir = self.tmpdir, None
        self.port = None
        atexit.unregister(self.stop)
        if tmpdir is None:
            return
        datadir = tmpdir / "data"
        if self._bindir and (datadir / "postmaster.pid").exists():
            result = self._run(
                [str(self._bindir / "pg_ctl"), "stop", "-D", str(datadir), "-m", "immediate", "-w"],
                cwd=tmpdir,
                check=False,
            )
            if result.returncode != 0:
                _kill_postmaster(datadir)
        shutil.rmtree(tmpdir, ignore_errors=True)

    def __enter__(self) -> ThrowawayPostgres:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _require_tmpdir(self) -> Path:
        if self.tmpdir is None:
            raise PostgresError("server is not started")
        return self.tmpdir

    def _require_port(self) -> int:
        if self.port is None:
            raise PostgresError("server is not started")
        return self.port

    def _run(
        self, cmd: list[str], *, cwd: Path, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        if self._as_root:
            cmd = ["runuser", "-u", PG_USER, "--", *cmd]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        result = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
        )
        if check and result.returncode != 0:
            raise PostgresError(
                f"{' '.join(cmd)} exited with {result.returncode}:\n"
                f"{result.stdout}\n{result.stderr}".rstrip()
            )
        return result

    def _initdb(self, bindir: Path) -> None:
        self._run(
            [
                str(bindir / "initdb"),
                "-D",
                str(self.datadir),
                "--auth=trust",
                "-U",
                PG_USER,
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            ],
            cwd=self._require_tmpdir(),
        )

    def _write_config(self) -> None:
        settings = {**SERVER_SETTINGS, "unix_socket_directories": str(self._require_tmpdir())}
        lines = "".join(f"{key} = '{value}'\n" for key, value in settings.items())
        with (self.datadir / "postgresql.conf").open("a") as conf:
            conf.write("\n" + lines)

    def _start_server(self, bindir: Path) -> None:
        tmpdir = self._require_tmpdir()
        for attempt in range(3):
            port = free_port(self.host)
            result = self._run(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "-D",
                    str(self.datadir),
                    "-l",
                    str(self.logfile),
                    "-o",
                    f"-p {port}",
                    "-w",
                    "-t",
                    str(int(self.startup_timeout)),
                ],
                cwd=tmpdir,
                check=False,
                timeout=self.startup_timeout + 30,
            )
            log = _tail(self.logfile)
            if result.returncode == 0:
                self.port = port
                self._wait_until_connectable()
                return
            port_taken = "could not bind" in log or "already in use" in log
            if not port_taken or attempt == 2:
                raise PostgresError(
                    f"PostgreSQL failed to start (pg_ctl exit {result.returncode}).\n"
                    f"pg_ctl output:\n{result.stdout}{result.stderr}\n"
                    f"server log tail ({self.logfile}):\n{log}"
                )
            self.logfile.unlink(missing_ok=True)

    def _wait_until_connectable(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while True:
            try:
                with self.connect() as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise PostgresError(
                        f"PostgreSQL on port {self.port} is not accepting connections: {exc}\n"
                        f"server log tail ({self.logfile}):\n{_tail(self.logfile)}"
                    ) from exc
                time.sleep(0.1)


def _check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ValueError(f"invalid database name: {name!r}")
    return name


def _check_traversable(directory: Path) -> None:
    for part in (directory, *directory.parents):
        if not part.stat().st_mode & 0o001:
            raise PostgresError(
                f"{part} is not searchable by the {PG_USER!r} user; "
                f"pass base_dir= pointing somewhere world-traversable"
            )


def _kill_postmaster(datadir: Path) -> None:
    try:
        pid = int((datadir / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGKILL)
