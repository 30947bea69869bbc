"""Configuration defaults.

Order of precedence (later wins): these defaults, ``instance/config.py``,
environment variables, then the mapping passed to ``create_app``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import current_app


class Defaults:
    PROGRAM_NAME = "Internal Medicine Residency"
    PROGRAM_TIMEZONE = "America/New_York"
    # Domain used in calendar UIDs; it must never change once feeds are published.
    FEED_UID_DOMAIN = "conferences.local"
    FEED_PAST_DAYS = 60
    FEED_FUTURE_MONTHS_AFTER_YEAR = 3
    FEED_REFRESH_MINUTES = 60
    # A feed server process re-reads the change counters at most this often.
    FEED_COUNTER_TTL_SECONDS = 1.0
    # Bytes each process may keep in feed render caches (renderings, bodies, events).
    FEED_CACHE_MAX_BYTES = 256 * 1024 * 1024
    # Bytes each process may keep in report overviews (estimated), least recently used out.
    REPORT_CACHE_MAX_BYTES = 128 * 1024 * 1024
    # Public base URL used in feeds and e-mails (links back to session pages).
    # None: http://127.0.0.1 on the port being served (``default_base_url``).
    BASE_URL: str | None = None

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # None: Secure exactly when BASE_URL is https (decided in create_app).
    SESSION_COOKIE_SECURE = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None

    MAIL_BACKEND = "outbox"  # "outbox" (stored, viewable by admins) or "smtp"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = ""
    MAIL_PASSWORD = ""  # nosec B105 - empty default, set through the environment
    MAIL_DEFAULT_SENDER = "conferences@localhost"

    # Limits kept in one process's memory are per process: with several workers or hosts
    # set a shared store (redis://host:6379); create_app warns, or refuses in production.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    # A whole hospital may sign in from one NAT address, so the ceiling on *failed* sign-ins
    # per address is generous; guessing one account's password is slowed per account and
    # address instead (conferences/auth/throttle.py), which never slows the person themselves.
    LOGIN_RATE_LIMIT_PER_ADDRESS = "600 per hour"
    SIGNIN_FREE_FAILURES = 5
    SIGNIN_MAX_DELAY_SECONDS = 900
    # Typed check-in codes and the current-password field, per account.
    GUESS_RATE_LIMIT_PER_ACCOUNT = "30 per minute"
    # Number of proxies in front of the app whose X-Forwarded-For/-Proto are trusted.
    TRUSTED_PROXIES = 0
    # "json": one JSON object per log line, with the request id nginx sends (conferences.logs).
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"
    # /metrics (Prometheus) answers only requests bearing this token; unset: no /metrics.
    METRICS_TOKEN = ""  # nosec B105 - empty default: no /metrics
    # "Keep me signed in on this device": the sign-in lasts this long; without it, a session
    # unused for SESSION_IDLE_HOURS asks to sign in again.
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    SESSION_IDLE_HOURS = 12.0
    # Uploads (CSV imports) are far smaller; a larger request is refused with 413 unread.
    MAX_CONTENT_LENGTH = 4 * 1024 * 1024
    # Session materials (slides, handouts): the largest file a presenter may upload (signed-in
    # uploads of materials may exceed MAX_CONTENT_LENGTH up to this), and where files are kept
    # (empty: "materials" under the instance folder).
    MATERIALS_MAX_BYTES = 50 * 1024 * 1024
    MATERIALS_DIR = ""
    # s3://bucket/prefix: keep uploaded files in an S3-compatible object store instead
    # (conferences/storage.py); STORAGE_ENDPOINT_URL for one that is not AWS (MinIO, Ceph).
    STORAGE_URL = ""
    STORAGE_ENDPOINT_URL = ""
    # A recording file (video or audio) a coordinator uploads to a past session: 2 GB.
    RECORDING_MAX_BYTES = 2 * 1024 * 1024 * 1024
    # Presenters of sessions in the next N local days without materials are reminded.
    MATERIALS_REMINDER_DAYS = 3

    # Single sign-on with OpenID Connect (off unless OIDC_ISSUER and OIDC_CLIENT_ID are set).
    OIDC_ISSUER = ""
    OIDC_CLIENT_ID = ""
    OIDC_CLIENT_SECRET = ""  # nosec B105 - empty default, set through the environment
    OIDC_LABEL = "Sign in with single sign-on"
    OIDC_EMAIL_CLAIM = "email"
    OIDC_TIMEOUT_SECONDS = 10.0
    # off: only administrators may sign in with a password (when single sign-on is set up).
    PASSWORD_LOGIN = True


ENV_KEYS = (
    "SECRET_KEY",
    "MATERIALS_MAX_BYTES",
    "MATERIALS_DIR",
    "MATERIALS_REMINDER_DAYS",
    "STORAGE_URL",
    "STORAGE_ENDPOINT_URL",
    "RECORDING_MAX_BYTES",
    "PROGRAM_TIMEZONE",
    "PROGRAM_NAME",
    "FEED_UID_DOMAIN",
    "BASE_URL",
    "MAIL_BACKEND",
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
    "RATELIMIT_STORAGE_URI",
    "SESSION_COOKIE_SECURE",
    "OIDC_ISSUER",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_LABEL",
    "OIDC_EMAIL_CLAIM",
    "PASSWORD_LOGIN",
    "TRUSTED_PROXIES",
    "SESSION_IDLE_HOURS",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "METRICS_TOKEN",
    "FEED_CACHE_MAX_BYTES",
    "REPORT_CACHE_MAX_BYTES",
)
BOOL_KEYS = {"MAIL_USE_TLS", "SESSION_COOKIE_SECURE", "PASSWORD_LOGIN"}
INT_KEYS = {
    "MAIL_PORT",
    "TRUSTED_PROXIES",
    "FEED_CACHE_MAX_BYTES",
    "REPORT_CACHE_MAX_BYTES",
    "MATERIALS_MAX_BYTES",
    "MATERIALS_REMINDER_DAYS",
    "RECORDING_MAX_BYTES",
}
FLOAT_KEYS = {"SESSION_IDLE_HOURS"}


def from_environment() -> dict:
    """Read the settings the environment may override."""
    values: dict = {}
    for key in ENV_KEYS:
        raw = os.environ.get(key)
        if raw is None:
            continue
        if key in BOOL_KEYS:
            values[key] = raw.lower() in {"1", "true", "yes", "on"}
        elif key in INT_KEYS:
            values[key] = int(raw)
        elif key in FLOAT_KEYS:
            values[key] = float(raw)
        else:
            values[key] = raw
    if os.environ.get("DATABASE_URL"):
        values["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(os.environ["DATABASE_URL"])
    return values


DEFAULT_PORT = 5000


def default_base_url() -> str:
    """The address when BASE_URL is not configured: this machine, on the port being served
    (``PORT=8000 make run`` passes PORT; ``flask run`` also reads FLASK_RUN_PORT)."""
    for name in ("PORT", "FLASK_RUN_PORT"):
        raw = (os.environ.get(name) or "").strip()
        if raw.isdigit() and 0 < int(raw) < 65536:
            return f"http://127.0.0.1:{int(raw)}"
    return f"http://127.0.0.1:{DEFAULT_PORT}"


def public_url(path: str) -> str:
    """`path` on BASE_URL: the address people reach from outside (e-mails, feeds, QR codes),
    whatever host or scheme the current request came in on behind the proxy."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def normalise_database_url(url: str) -> str:
    """Accept the common ``postgres://`` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class ConfigurationError(RuntimeError):
    """The configuration cannot serve correctly as deployed; the message says what to set."""


def is_production(config) -> bool:
    """Served to the public: an https BASE_URL, neither testing nor debugging."""
    return (
        str(config.get("BASE_URL", "")).startswith("https://")
        and not config.get("TESTING")
        and not config.get("DEBUG")
    )


def serving_processes() -> int:
    """How many processes serve this app on this host, as far as the environment tells:
    gunicorn.conf.py exports its worker count as CONFERENCES_WORKERS; WEB_CONCURRENCY is
    gunicorn's own default for --workers."""
    for name in ("CONFERENCES_WORKERS", "WEB_CONCURRENCY"):
        raw = os.environ.get(name, "")
        if raw.isdigit() and int(raw) > 0:
            return int(raw)
    return 1


def check_rate_limit_storage(config, processes: int, logger: logging.Logger) -> None:
    """Refuse (production) or warn loudly when several processes would each keep their own
    sign-in limits in memory: with four workers the limit would be four times looser."""
    uri = str(config.get("RATELIMIT_STORAGE_URI") or "memory://")
    if not uri.startswith("memory://") or processes <= 1 or not config.get("RATELIMIT_ENABLED"):
        return
    message = (
        f"RATELIMIT_STORAGE_URI is {uri} with {processes} worker processes: each keeps its "
        "own sign-in limits, so they are that many times looser. Set RATELIMIT_STORAGE_URI="
        "redis://host:6379 (shared by every worker and host)."
    )
    if is_production(config):
        raise ConfigurationError(message)
    logger.warning("%s", message)


def load_or_create_secret_key(instance_path: str, *, create: bool = True) -> str:
    """Return the instance's secret key, writing a random one on first run.

    Several workers may start at once: the key is written to a temporary file and linked
    into place, so exactly one key wins and nobody reads a half-written file. In
    production (``create=False``) a missing key is an error: each host would draw its
    own, and sessions and feed addresses would work on one host only.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return _read_key(path)
    if not create:
        raise ConfigurationError(
            "SECRET_KEY is not set and there is no instance/secret_key: set the same "
            "SECRET_KEY on every host (python3 -c 'import secrets; print(secrets.token_hex(32))')."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)  # atomic; fails if another process won
    finally:
        os.unlink(temporary)
    return _read_key(path)


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: remove it or set SECRET_KEY")
    return key
