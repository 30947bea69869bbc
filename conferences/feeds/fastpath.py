"""Answer calendar polls from memory, before Flask builds a request.

Calendar clients poll every personal feed all day, and almost every poll finds the same
content: a 304, or the same cached bytes. Flask's request machinery (cookie session,
sign-in, rate limiter, CSRF, URL routing, hooks) costs more than the answer itself.
This WSGI middleware answers a ``GET``/``HEAD /feeds/<token>.ics`` when
``serving.personal_feed_from_memory`` can, with the same ``answers.answer_request`` and
security headers as the view, and hands everything else (first polls, changed content,
unknown tokens, hourly fetch stamps, database reads) to the Flask app unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.http import HTTP_STATUS_CODES

from conferences.feeds import serving
from conferences.feeds.answers import PRIVATE_CACHE, answer_request
from conferences.metrics import FEED_ANSWERS, ROUTE_KEY
from conferences.security import SECURITY_HEADERS, transport_headers

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from flask import Flask

PREFIX = "/feeds/"
SUFFIX = ".ics"
ROUTE = "/feeds/<token>.ics"


def personal_feed_token(environ: WSGIEnvironment) -> str | None:
    """The token of a ``GET``/``HEAD /feeds/<token>.ics`` request, else None."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return None
    path = environ.get("PATH_INFO", "")
    if not (path.startswith(PREFIX) and path.endswith(SUFFIX)):
        return None
    token = path[len(PREFIX) : -len(SUFFIX)]
    # Series feeds live under /feeds/series/; tokens are URL-safe base64.
    if not token or "/" in token or "\x00" in token:
        return None
    if "%00" in environ.get("QUERY_STRING", ""):
        return None  # Flask refuses NUL in the query string (web.refuse_nul_characters)
    return token


class FeedFastPath:
    """``app.wsgi_app = FeedFastPath(app, app.wsgi_app)``."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.answers = {
            status: FEED_ANSWERS.labels("personal", str(status)) for status in (200, 304)
        }

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        token = personal_feed_token(environ)
        if token is not None:
            with self.app.app_context():
                result = serving.personal_feed_from_memory(token)
            if result is not None:
                answer = answer_request(result, environ, PRIVATE_CACHE)
                environ[ROUTE_KEY] = ROUTE
                self.answers[answer.status].inc()
                status = f"{answer.status} {HTTP_STATUS_CODES[answer.status]}"
                headers = [*answer.headers, *SECURITY_HEADERS, *transport_headers(self.app)]
                start_response(status, headers)
                return [] if environ["REQUEST_METHOD"] == "HEAD" else [answer.body]
        return self.wsgi_app(environ, start_response)
