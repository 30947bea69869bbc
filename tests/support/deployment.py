"""The deployment the README describes, on localhost, for tests and benchmarks.

PostgreSQL (``pgserver``), Redis (Debian's ``redis-server``), two gunicorn instances of the
app started with ``deploy/gunicorn.conf.py`` (two workers each) and nginx (Debian's) in
front with ``deploy/nginx-site.conf``, TLS ended by nginx with a throwaway certificate.
Every program runs in the foreground as a child of this process, on free ports, with its
files in one temporary directory; ``stop()`` ends them all and removes the directory.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from tests.support.pgserver import ThrowawayPostgres, free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
NGINX_SITE = PROJECT_ROOT / "deploy" / "nginx-site.conf"
GUNICORN_CONF = PROJECT_ROOT / "deploy" / "gunicorn.conf.py"
SECRET_KEY = "deployment-test-secret-key"
METRICS_TOKEN = "deployment-test-metrics-token"
HOST = "127.0.0.1"
# What the test changes in the site file: names, upstream addresses, ports, certificate.
SITE_PLACEHOLDERS = (
    "10.0.0.11:8000",
    "10.0.0.12:8000",
    "listen 80;",
    "listen 443 ssl;",
    "return 301 https://$host$request_uri;",
    "/etc/ssl/certs/conferences.example.org.pem",
    "/etc/ssl/private/conferences.example.org.key",
)
# Instance settings (instance/config.py) for the tests: every simulated phone comes from
# 127.0.0.1, so the per-address sign-in limit is lifted; the per-account one stays.
INSTANCE_CONFIG = 'LOGIN_RATE_LIMIT_PER_ADDRESS = "100000 per minute"\n'


class DeploymentError(RuntimeError):
    """A program is missing or did not start; the message says which and why."""


def require_program(name: str) -> str:
    """The path of a program the deployment needs, or a clear failure (never a skip)."""
    for candidate in (shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DeploymentError(f"{name} is not installed: run scripts/ensure-system-deps.sh (as root)")


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _wait(check, what: str, log: Path | None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, http.client.HTTPException) as error:
            last = error
        time.sleep(0.1)
    detail = f"\n{log}:\n{_tail(log)}" if log else ""
    raise DeploymentError(f"{what} did not become ready ({last}){detail}")


@dataclass
class Instance:
    """One gunicorn (master and workers) serving the app on its own port."""

    name: str
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def worker_pids(self) -> set[int]:
        if self.process is None:
            return set()
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return {int(pid) for pid in children.read_text().split()}
        except OSError:
            return set()


@dataclass
class Deployment:
    workers: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    instance_config: str = INSTANCE_CONFIG
    base_dir: Path | None = None
    tmp: Path = field(init=False)
    postgres: ThrowawayPostgres | None = field(init=False, default=None)
    database_url: str = field(init=False, default="")
    redis_port: int = field(init=False, default=0)
    https_port: int = field(init=False, default=0)
    http_port: int = field(init=False, default=0)
    instances: list[Instance] = field(init=False, default_factory=list)
    _processes: list[subprocess.Popen] = field(init=False, default_factory=list)
    _nginx: subprocess.Popen | None = field(init=False, default=None)

    # -- addresses -----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"https://{HOST}:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def certificate(self) -> Path:
        return self.tmp / "tls" / "cert.pem"

    def ssl_context(self) -> ssl.SSLContext:
        """Trusts the throwaway certificate (and nothing else)."""
        return ssl.create_default_context(cafile=str(self.certificate))

    def https(self, timeout: float = 30) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            HOST, self.https_port, timeout=timeout, context=self.ssl_context()
        )

    def app_env(self) -> dict[str, str]:
        """The environment the README tells operators to set, for these ports."""
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "SECRET_KEY": SECRET_KEY,
            "BASE_URL": self.base_url,
            "FEED_UID_DOMAIN": "conferences.test",
            "RATELIMIT_STORAGE_URI": f"redis://{HOST}:{self.redis_port}",
            "TRUSTED_PROXIES": "1",  # nginx
            "INSTANCE_PATH": str(self.tmp / "instance"),
            "WEB_CONCURRENCY": str(self.workers),
            "LOG_FORMAT": "json",
            "METRICS_TOKEN": METRICS_TOKEN,
            **self.extra_env,
        }

    # -- life cycle ----------------------------------------------------------------

    def start(self) -> Deployment:
        programs = {name: require_program(name) for name in ("nginx", "redis-server", "openssl")}
        self.tmp = Path(tempfile.mkdtemp(prefix="conferences-deploy-", dir=self.base_dir))
        try:
            self._start_postgres()
            self._start_redis(programs["redis-server"])
            self._make_certificate(programs["openssl"])
            self._migrate()
            self.https_port, self.http_port = free_port(), free_port()
            self.instances = [
                Instance(name, free_port(), self.tmp / f"gunicorn-{name}.log")
                for name in ("a", "b")
            ]
            for instance in self.instances:
                self.start_instance(instance)
            self._start_nginx(programs["nginx"])
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> Deployment:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        processes = [self._nginx, *(i.process for i in self.instances), *self._processes]
        for process in processes:
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            if process is None:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self._nginx = None
        for instance in self.instances:
            instance.process = None
        self._processes.clear()
        if self.postgres is not None:
            self.postgres.stop()
            self.postgres = None
        if getattr(self, "tmp", None) is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _spawn(self, command: list[str], log: Path, **kwargs) -> subprocess.Popen:
        handle = log.open("ab")
        try:
            return subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, **kwargs
            )
        finally:
            handle.close()

    def _start_postgres(self) -> None:
        self.postgres = ThrowawayPostgres().start()
        self.postgres.create_database("conferences")
        self.database_url = self.postgres.url("conferences")

    def _start_redis(self, redis_server: str) -> None:
        self.redis_port = free_port()
        log = self.tmp / "redis.log"
        directory = self.tmp / "redis"
        directory.mkdir()
        command = [
            redis_server,
            "--port", str(self.redis_port),
            "--bind", HOST,
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--dir", str(directory),
        ]  # fmt: skip
        self._processes.append(self._spawn(command, log))

        def pong() -> bool:
            import redis

            return bool(redis.Redis(host=HOST, port=self.redis_port).ping())

        _wait(pong, "redis-server", log)

    def _make_certificate(self, openssl: str) -> None:
        directory = self.tmp / "tls"
        directory.mkdir()
        subprocess.run(
            [
                openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=127.0.0.1",
                "-addext", f"subjectAltName=IP:{HOST},DNS:localhost",
                "-keyout", str(directory / "key.pem"),
                "-out", str(self.certificate),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip

    def _migrate(self) -> None:
        instance = self.tmp / "instance"
        instance.mkdir()
        (instance / "config.py").write_text(self.instance_config)
        env = {**self.app_env(), "WEB_CONCURRENCY": "1"}
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise DeploymentError(f"flask db upgrade failed:\n{result.stdout}\n{result.stderr}")

    def start_instance(self, instance: Instance) -> None:
        env = {
            **self.app_env(),
            "GUNICORN_BIND": f"{HOST}:{instance.port}",
            "PROMETHEUS_MULTIPROC_DIR": str(self.tmp / f"metrics-{instance.name}"),
        }
        command = [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)]
        instance.process = self._spawn(command, instance.log, cwd=PROJECT_ROOT, env=env)
        self.wait_healthy(instance)

    def wait_healthy(self, instance: Instance, workers: int | None = None) -> None:
        def healthy() -> bool:
            if instance.process is None or instance.process.poll() is not None:
                raise DeploymentError(f"gunicorn {instance.name} exited:\n{_tail(instance.log)}")
            if workers is not None and len(instance.worker_pids()) != workers:
                return False
            connection = http.client.HTTPConnection(HOST, instance.port, timeout=5)
            try:
                connection.request("GET", "/healthz")
                return connection.getresponse().status == 200
            finally:
                connection.close()

        _wait(healthy, f"gunicorn {instance.name}", instance.log)

    def stop_instance(self, instance: Instance) -> None:
        """A graceful stop: requests in flight finish, then the instance exits."""
        if instance.process is not None:
            instance.process.send_signal(signal.SIGTERM)
            instance.process.wait(timeout=60)
            instance.process = None

    def _site_config(self) -> str:
        site = NGINX_SITE.read_text()
        a, b = self.instances
        replacements = dict(
            zip(
                SITE_PLACEHOLDERS,
                (
                    f"{HOST}:{a.port}",
                    f"{HOST}:{b.port}",
                    f"listen {HOST}:{self.http_port};",
                    f"listen {HOST}:{self.https_port} ssl;",
                    f"return 301 https://$host:{self.https_port}$request_uri;",
                    str(self.certificate),
                    str(self.tmp / "tls" / "key.pem"),
                ),
                strict=True,
            )
        )
        for old, new in replacements.items():
            if old not in site:
                raise DeploymentError(f"{NGINX_SITE} no longer contains {old!r}")
            site = site.replace(old, new)
        return site

    def _start_nginx(self, nginx: str) -> None:
        prefix = self.tmp / "nginx"
        prefix.mkdir()
        (prefix / "site.conf").write_text(self._site_config())
        user = "user root root;\n" if os.geteuid() == 0 else ""
        temp_paths = "".join(
            f"    {kind}_temp_path {prefix / kind};\n"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (prefix / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\n"
            f"error_log {prefix / 'error.log'} warn;\n"
            "events { worker_connections 1024; }\n"
            "http {\n"
            f"    access_log {prefix / 'access.log'};\n"
            f"{temp_paths}"
            f"    include {prefix / 'site.conf'};\n"
            "}\n"
        )
        log = prefix / "error.log"
        command = [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", str(log)]
        self._nginx = self._spawn(command, prefix / "stdout.log")

        def ready() -> bool:
            if self._nginx is None or self._nginx.poll() is not None:
                raise DeploymentError(
                    f"nginx exited:\n{_tail(log)}\n{_tail(prefix / 'stdout.log')}"
                )
            connection = self.https(timeout=5)
            try:
                connection.request("GET", "/healthz")
                return connection.getresponse().status == 200
            finally:
                connection.close()

        _wait(ready, "nginx", log)

    def nginx_log(self) -> str:
        return _tail(self.tmp / "nginx" / "error.log", 100)

    def log_lines(self, instance: Instance) -> list[dict]:
        """The JSON log lines of ``instance`` (LOG_FORMAT=json: every line is one)."""
        found = []
        for line in instance.log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    found.append(json.loads(line))
        return found

    def requests_seen(self, instance: Instance, method: str, path_pattern: str) -> int:
        """How many requests ``instance`` logged with this method and a matching path."""
        path = re.compile(path_pattern)
        return sum(
            1
            for line in self.log_lines(instance)
            if line.get("method") == method and path.fullmatch(line.get("path", ""))
        )

    def metrics(self, instance: Instance) -> str:
        """The instance's /metrics (all its workers), read directly as a scraper would."""
        connection = http.client.HTTPConnection(HOST, instance.port, timeout=10)
        try:
            connection.request(
                "GET", "/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
            response = connection.getresponse()
            body = response.read().decode()
        finally:
            connection.close()
        if response.status != 200:
            raise DeploymentError(f"/metrics of gunicorn {instance.name}: HTTP {response.status}")
        return body


@contextlib.contextmanager
def deployed(**kwargs):
    with Deployment(**kwargs) as deployment:
        yield deployment
