"""Prometheus metrics: what operations teams graph and alert on.

The counters are module-level ``prometheus_client`` objects that the domains increment
(feeds, check-in, mail); incrementing one costs well under a microsecond. Under gunicorn
set ``PROMETHEUS_MULTIPROC_DIR`` (``deploy/gunicorn.conf.py`` empties it at start-up and
marks ended workers dead): every worker then writes its values to files there, and
``/metrics`` adds up all workers of the host.

``/metrics`` and the request timing exist only when ``METRICS_TOKEN`` is set, and the
endpoint answers only a request that carries it (``Authorization: Bearer <token>``);
otherwise it is a 404 like any unknown address. nginx also refuses it from outside
(``deploy/nginx-site.conf``): scrape each host's gunicorn directly.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flask import Flask, Response, abort, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client import REGISTRY as PROCESS_REGISTRY

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

REQUEST_SECONDS = Histogram(
    "conferences_request_duration_seconds",
    "Time to answer a request, by route (URL rule) and method.",
    ["route", "method"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1, 2.5, 5, 10),
)
FEED_ANSWERS = Counter(
    "conferences_feed_answers_total",
    "Calendar feed answers by feed kind (personal, series, session) and status (200, 304, 404).",
    ["feed", "status"],
)
CACHE_EVENTS = Counter(
    "conferences_cache_events_total",
    "Feed render cache lookups and evictions, by cache and event (hit, miss, eviction).",
    ["cache", "event"],
)
CHECKINS = Counter(
    "conferences_checkins_total",
    "Check-ins by outcome: recorded (new) or repeated (already checked in or marked).",
    ["outcome"],
)
SIGNIN_FAILURES = Counter(
    "conferences_signin_failures_total",
    "Sign-in attempts refused, counted by auth where they are refused, by reason: "
    "wrong_credentials, invalid_form, throttled, rate_limited, single_sign_on_refused.",
    ["reason"],
)
MAIL = Counter("conferences_mail_total", "Mail by outcome: sent or failed.", ["outcome"])

ROUTE_KEY = "conferences.route"
UNMATCHED = "(unmatched)"


def init_app(app: Flask) -> None:
    """Time every request and serve /metrics, when METRICS_TOKEN is configured."""
    token = app.config.get("METRICS_TOKEN") or ""
    if not token:
        return

    @app.before_request
    def remember_route() -> None:
        rule = request.url_rule
        request.environ[ROUTE_KEY] = rule.rule if rule is not None else UNMATCHED

    @app.get("/metrics")
    def metrics():
        """Prometheus text format, for a scraper that knows METRICS_TOKEN."""
        offered = request.headers.get("Authorization", "")
        if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
            abort(404)
        return Response(generate_latest(registry()), mimetype=CONTENT_TYPE_LATEST)

    app.wsgi_app = TimedRequests(app.wsgi_app)  # type: ignore[method-assign]


def registry() -> CollectorRegistry:
    """All workers' values under gunicorn (PROMETHEUS_MULTIPROC_DIR), else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        return collected
    return PROCESS_REGISTRY


class TimedRequests:
    """Outermost WSGI layer: times each request (feed fast path included), labelled with
    the route the inner layers wrote in the environ."""

    def __init__(self, wsgi_app: WSGIApplication) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            REQUEST_SECONDS.labels(
                environ.get(ROUTE_KEY, UNMATCHED), environ.get("REQUEST_METHOD", "")
            ).observe(time.perf_counter() - started)
