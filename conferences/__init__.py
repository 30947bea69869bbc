"""Conferences: the conference and didactics program of a residency."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from conferences import config as config_module
from conferences.extensions import csrf, db, limiter, login_manager, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")


def create_app(config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH", str(PROJECT_ROOT / "instance")),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.from_object(config_module.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(config_module.from_environment())
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'conferences.db'}"
    )
    if not app.config.get("BASE_URL"):
        app.config["BASE_URL"] = config_module.default_base_url()
    # Cookies are Secure whenever the public address is HTTPS (production).
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = app.config["BASE_URL"].startswith("https://")
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.load_or_create_secret_key(
            app.instance_path, create=not config_module.is_production(app.config)
        )
    config_module.check_rate_limit_storage(
        app.config, config_module.serving_processes(), app.logger
    )
    _configure_sqlite(app)
    from conferences import storage

    storage.init_app(app)  # the file store is chosen once, here

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _import_models()
    _connect_domains(app)

    from conferences import logs, metrics, security, web
    from conferences.auth import loading
    from conferences.people import policy

    logs.init_app(app)
    security.init_app(app)
    loading.init_app(app)
    web.init_app(app)
    policy.init_app(app)
    _register_blueprints(app)
    _register_cli(app)
    from conferences.feeds.fastpath import FeedFastPath

    app.wsgi_app = FeedFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # The client address and scheme as the trusted proxies saw them (throttling counts
        # per client address); headers beyond that many hops are ignored as forgeable.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )
    metrics.init_app(app)  # its timing layer goes outside the fast path
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            event.listen(db.engine, "connect", _sqlite_pragmas)
    return app


def _configure_sqlite(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        # Several threads serve requests; each gets its own connection from the pool.
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30)
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _import_models() -> None:
    """Import every domain's models so the metadata (and migrations) see all tables."""
    from conferences.attendance import hybrid as _hybrid  # noqa: F401
    from conferences.attendance import models as _attendance  # noqa: F401
    from conferences.attendance import recordings as _recordings  # noqa: F401
    from conferences.audit import models as _audit  # noqa: F401
    from conferences.auth import models as _auth  # noqa: F401
    from conferences.feeds import models as _feeds  # noqa: F401
    from conferences.home import models as _home  # noqa: F401
    from conferences.materials import models as _materials  # noqa: F401
    from conferences.notifications import models as _notifications  # noqa: F401
    from conferences.people import models as _people  # noqa: F401
    from conferences.program import models as _program  # noqa: F401
    from conferences.rotations import models as _rotations  # noqa: F401
    from conferences.schedule import models as _schedule  # noqa: F401
    from conferences.teaching import models as _teaching  # noqa: F401


def _connect_domains(app: Flask) -> None:
    """Import the modules through which higher domains answer a lower one's questions (who
    depends on a session, who presents at it); they register on import, so they are
    connected whatever the app serves (pages, CLI, tests)."""
    from conferences.attendance import change_alerts
    from conferences.attendance import change_counter as _counter  # noqa: F401
    from conferences.attendance import dependents as _attendance  # noqa: F401
    from conferences.materials import receivers as _materials  # noqa: F401
    from conferences.teaching import access as _teaching_access  # noqa: F401
    from conferences.teaching import dependents as _teaching  # noqa: F401

    change_alerts.init_app(app)  # residents hear of short-notice changes (schedule signals)


def _register_blueprints(app: Flask) -> None:
    from conferences.attendance.excusal_views import bp as excusals_bp
    from conferences.attendance.hybrid_views import bp as hybrid_bp
    from conferences.attendance.recording_views import bp as recordings_bp
    from conferences.attendance.views import bp as attendance_bp
    from conferences.auth.views import bp as auth_bp
    from conferences.feeds.public_program import bp as public_bp
    from conferences.feeds.views import bp as feeds_bp
    from conferences.home.views import bp as home_bp
    from conferences.materials.views import bp as materials_bp
    from conferences.notifications.views import bp as notifications_bp
    from conferences.people.views import bp as people_bp
    from conferences.reports.participation_views import bp as participation_bp
    from conferences.reports.views import bp as reports_bp
    from conferences.rotations.views import bp as rotations_bp
    from conferences.schedule import (  # noqa: F401  (each adds its pages to schedule_bp)
        calendar_views,
        holiday_views,
        import_views,
        series_views,
        session_views,
    )
    from conferences.schedule.blueprint import bp as schedule_bp
    from conferences.schedule.bulk_views import bp as bulk_bp
    from conferences.schedule.rollforward_views import bp as rollforward_bp
    from conferences.teaching.views import bp as teaching_bp

    for blueprint in (
        home_bp,
        auth_bp,
        people_bp,
        rotations_bp,
        schedule_bp,
        bulk_bp,
        rollforward_bp,
        teaching_bp,
        attendance_bp,
        excusals_bp,
        feeds_bp,
        public_bp,
        reports_bp,
        notifications_bp,
        hybrid_bp,
        recordings_bp,
        participation_bp,
        materials_bp,
    ):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from conferences import backup, demo
    from conferences.attendance.cli import cli as attendance_cli
    from conferences.materials.cli import remind_materials_command
    from conferences.people.cli import cli as people_cli
    from conferences.reports.cli import cli as reports_cli
    from conferences.rotations.cli import cli as rotations_cli
    from conferences.schedule.cli import cli as schedule_cli
    from conferences.teaching.cli import register as register_teaching_cli

    app.cli.add_command(demo.demo_data)
    app.cli.add_command(backup.backup_command)
    app.cli.add_command(backup.restore_command)
    app.cli.add_command(people_cli)
    app.cli.add_command(rotations_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(schedule_cli)
    app.cli.add_command(attendance_cli)
    register_teaching_cli(app)
    app.cli.add_command(remind_materials_command)
