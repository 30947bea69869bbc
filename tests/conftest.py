"""Shared fixtures: one app per database backend, clean rows per test, a settable clock.

Every test that asks for ``app`` (or anything built on it) runs twice: on SQLite and
on a throwaway PostgreSQL server started for the run. Tables are created once per
backend; rows are removed after each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import settings
from sqlalchemy import text

from conferences import create_app, timeutil
from conferences.extensions import db, limiter

BACKENDS = ("sqlite", "postgresql")

# Property tests replay the same examples on every run, so a green suite stays green;
# HYPOTHESIS_PROFILE=explore draws new ones when hunting for bugs.
settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))

pytest_plugins = ["tests.factories"]


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        action="append",
        choices=BACKENDS,
        help="Run database tests only on this backend (repeatable). Default: both.",
    )
    parser.addoption(
        "--deploy",
        action="store_true",
        help="Run tests/deploy: PostgreSQL, Redis, two gunicorn instances and nginx "
        "(make test-deploy). Without it tests/deploy is not collected.",
    )


def pytest_ignore_collect(collection_path, config):
    """tests/deploy starts a whole deployment: only ``make test-deploy`` runs it."""
    if collection_path.name == "deploy" and collection_path.parent.name == "tests":
        return not config.getoption("--deploy")
    return None


def selected_backends(config) -> tuple[str, ...]:
    chosen = config.getoption("--backend") or os.environ.get("TEST_BACKENDS", "").split(",")
    chosen = tuple(b for b in chosen if b)
    return chosen or BACKENDS


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        backends = selected_backends(metafunc.config)
        # Browser tests drive one real server; they run on SQLite, the default deployment.
        in_browser_folder = "tests/browser/" in str(metafunc.definition.path).replace("\\", "/")
        if in_browser_folder or metafunc.definition.get_closest_marker("browser"):
            backends = ("sqlite",)
        metafunc.parametrize("backend", backends, scope="session")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator:
    """A PostgreSQL server for this test run; failing to start fails the run."""
    from tests.support.pgserver import ThrowawayPostgres

    with ThrowawayPostgres() as server:
        yield server


def make_test_config(database_url: str, instance_path: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": True,  # initialised; switched per test (see _clean_state)
        "MAIL_BACKEND": "outbox",
        "BASE_URL": "http://conferences.test",
        "FEED_UID_DOMAIN": "conferences.test",
        "INSTANCE_PATH_FOR_TESTS": instance_path,
    }


@pytest.fixture(scope="session")
def database_url(backend, request, tmp_path_factory) -> str:
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("sqlite") / "test.db"
        return f"sqlite:///{path}"
    server = request.getfixturevalue("postgres_server")
    name = f"test_{os.getpid()}"
    server.create_database(name)
    return server.url(name)


@pytest.fixture(scope="session")
def app(backend, database_url, tmp_path_factory):
    """The application on one backend, with every table created."""
    instance = tmp_path_factory.mktemp(f"instance-{backend}")
    os.environ["INSTANCE_PATH"] = str(instance)
    application = create_app(make_test_config(database_url, str(instance)))
    application.config["BACKEND"] = backend
    with application.app_context():
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_state(request) -> Iterator[None]:
    """Rate limits off unless a test asks; after each test remove every row, reset the clock."""
    limiter.enabled = False
    yield
    timeutil.set_clock(None)
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    # Rows go, counters start again: what a process kept keyed on them goes too.
    application.extensions.pop("report_overviews", None)
    with application.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(table.delete())
    limiter.reset()


@pytest.fixture
def app_ctx(app):
    """Run the test body inside an application context (for calling services)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class Clock:
    """A settable clock for ``timeutil.now_utc``."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = timeutil.as_utc(at)

    def advance(self, **delta) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at


@pytest.fixture
def clock() -> Iterator[Clock]:
    """Freeze time (default: Wed 2026-11-04 15:00 UTC); tests move it with set/advance."""
    fake = Clock(datetime(2026, 11, 4, 15, 0, tzinfo=UTC))
    timeutil.set_clock(fake)
    yield fake
    timeutil.set_clock(None)


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = "correct-horse-battery"):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def csrf_enabled(app) -> Iterator[None]:
    """Turn CSRF protection on for one test (the suite runs with it off for brevity)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False
