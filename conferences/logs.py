"""Logs: with ``LOG_FORMAT=json``, one JSON object per line on standard error, each with
the request's id, and one line per request.

The request id is the ``X-Request-ID`` nginx sends (``deploy/nginx-site.conf``), so a
line of the app, a line of nginx and the answer the client got can be matched; a request
that came without one (or with an unreadable one) gets a new id.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import IO

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_READABLE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Standard LogRecord attributes: anything else on a record was passed in ``extra``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
REQUEST_LOGGER = "conferences.requests"


def request_id() -> str | None:
    """The current request's id, or None outside a request."""
    if not has_request_context():
        return None
    found = g.get("request_id")
    if found is None:
        offered = request.headers.get(REQUEST_ID_HEADER, "")
        found = offered if _READABLE_ID.match(offered) else uuid.uuid4().hex
        g.request_id = found
    return found


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request_id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id()
        return True


def init_app(app: Flask, stream: IO[str] | None = None) -> None:
    """Switch the process's logging to JSON lines when LOG_FORMAT is json."""
    if str(app.config.get("LOG_FORMAT", "text")).lower() != "json":
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    handler.set_name("conferences-json")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "conferences-json"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    # Flask's own handler would print every app.logger line a second time, not as JSON.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
    _log_each_request(app)


def _log_each_request(app: Flask) -> None:
    log = logging.getLogger(REQUEST_LOGGER)

    @app.before_request
    def start_clock() -> None:
        g.request_started = time.perf_counter()
        request_id()

    @app.after_request
    def log_request(response):
        started = g.get("request_started")
        rule = request.url_rule
        # A feed's token is its password: log the route, not the address.
        path = rule.rule if rule is not None and "<token>" in rule.rule else request.path
        log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2)
                if started is not None
                else None,
            },
        )
        return response
