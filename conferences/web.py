"""Glue between Flask and the app: template helpers, error pages, request hygiene, /healthz.

Loading the signed-in person is the sign-in domain's (``auth/loading.py``), and templates' ``can``
is the access policy's (``people/policy.py``); ``create_app`` installs both."""

from __future__ import annotations

from datetime import date, datetime

from flask import (
    Flask,
    Request,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from conferences import timeutil
from conferences.errors import DomainError, NotAllowed
from conferences.extensions import db
from conferences.formutil import page_problems


def init_app(app: Flask) -> None:
    _register_filters(app)
    _register_error_pages(app)

    app.session_interface = CookieSessionInterface()

    @app.before_request
    def refuse_nul_characters():
        """PostgreSQL cannot store or even compare text with NUL; no form needs one."""
        _apply_request_limit(app)
        sources = [request.args] if request.query_string else []
        if request.method not in SAFE_METHODS:
            sources.append(request.form)
        for values in sources:
            for key, items in values.lists():
                if "\x00" in key or any("\x00" in item for item in items):
                    abort(400, "The request contained a NUL character.")

    @app.before_request
    def ignore_unreadable_if_modified_since():
        """A date werkzeug cannot read would fail a static file with a 500; RFC 9110 says
        to ignore it instead."""
        value = request.environ.get("HTTP_IF_MODIFIED_SINCE")
        if value is not None and timeutil.parse_http_date(value) is None:
            del request.environ["HTTP_IF_MODIFIED_SINCE"]

    @app.get("/healthz")
    def healthz():
        """Liveness and database status, for load balancers and monitoring."""
        try:
            db.session.execute(text("SELECT 1"))
        except OperationalError:
            db.session.rollback()
            return jsonify(status="error", database="unavailable"), 503
        return jsonify(status="ok", database="ok")


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _apply_request_limit(app: Flask) -> None:
    """A view that takes larger bodies than ``MAX_CONTENT_LENGTH`` (file uploads) says so
    with a ``request_limit`` attribute: a function giving the limit in bytes for this
    request, or None for the app-wide one. Set before anything reads the body."""
    view = app.view_functions.get(request.endpoint or "")
    limit = getattr(view, "request_limit", None)
    if limit is not None and request.method not in SAFE_METHODS:
        value = limit()
        if value is not None:
            request.max_content_length = value


class CookieSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, without building the signer for requests that
    carry no session cookie (calendar clients and health checks never do)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies:
            return self.session_class() if app.secret_key else None
        return super().open_session(app, request)


def _register_filters(app: Flask) -> None:
    app.jinja_env.filters["local"] = timeutil.format_local
    app.jinja_env.filters["localtime"] = lambda v: timeutil.format_local(v, "%H:%M")
    app.jinja_env.filters["localdate"] = lambda v: timeutil.format_local(v, "%a %d %b %Y")
    app.jinja_env.filters["isodate"] = lambda v: v.isoformat() if v else ""

    def longdate(value: date | datetime | None) -> str:
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = timeutil.local_date(value)
        return value.strftime("%a %d %b %Y")

    app.jinja_env.filters["longdate"] = longdate
    app.jinja_env.globals["page_problems"] = page_problems

    @app.context_processor
    def template_helpers() -> dict:
        return {
            "endpoint_exists": lambda endpoint: endpoint in app.view_functions,
            "program_zone": timeutil.program_zone_name(),
            "today": timeutil.local_today(),
        }


def _register_error_pages(app: Flask) -> None:
    def wants_json() -> bool:
        return request.accept_mimetypes.best == "application/json"

    def page(status: int, title: str, message: str):
        if wants_json():
            return jsonify(error=title, message=message), status
        return (
            render_template("errors/error.html", status=status, title=title, message=message),
            status,
        )

    @app.errorhandler(400)
    def bad_request(error):
        return page(400, "Bad request", getattr(error, "description", "") or "")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return page(
            400,
            "This form has expired",
            "The page was open too long or came from elsewhere. Go back, reload and try again.",
        )

    @app.errorhandler(403)
    def forbidden(_error):
        return page(
            403,
            "Not open to your account",
            "This page needs a role your account does not have. If you need it, ask a "
            "program administrator; otherwise go back to your home page.",
        )

    @app.errorhandler(404)
    def not_found(_error):
        return page(404, "Not found", "There is nothing at this address.")

    @app.errorhandler(405)
    def method_not_allowed(_error):
        return page(405, "Method not allowed", "This address does not accept that request.")

    @app.errorhandler(413)
    def too_large(_error):
        # A view that takes files says what its limit is (``too_large``: a message).
        view = app.view_functions.get(request.endpoint or "")
        message = getattr(view, "too_large", None)
        if message is not None:
            return page(413, "Too large", message())
        limit = request.max_content_length or app.config.get("MAX_CONTENT_LENGTH") or 0
        return page(
            413,
            "Too large",
            f"The request was larger than {limit // (1024 * 1024)} MB and was not read.",
        )

    @app.errorhandler(429)
    def too_many(error):
        return page(
            429,
            "Too many attempts",
            "Too many attempts in a short time. Wait a minute and try again.",
        )

    @app.errorhandler(OperationalError)
    def database_down(_error):
        db.session.rollback()
        return page(
            503,
            "Temporarily unavailable",
            "The database cannot be reached right now. Please try again in a few minutes.",
        )

    @app.errorhandler(500)
    def server_error(_error):
        return page(500, "Something went wrong", "The error was logged. Please try again.")

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        refused = isinstance(error, NotAllowed)
        if refused:
            return page(error.status_code, "Not open to your account", error.message)
        if wants_json() or request.method == "GET" or not current_user.is_authenticated:
            return page(error.status_code, "That did not work", error.message)
        flash(error.message, "danger")
        return redirect(request.referrer or "/"), 303
