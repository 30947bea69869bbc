"""HTTP security headers for every response."""

from __future__ import annotations

from flask import Flask
from werkzeug.wrappers import Response

# No inline scripts anywhere: every script is a file under static/.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ]
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    # Feed tokens live in URLs: never send a Referer to another site.
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
    if app.config["BASE_URL"].startswith("https://"):
        # Browsers that have seen the site over HTTPS never use plain HTTP for it again.
        app.after_request(add_strict_transport_security)


HSTS = "max-age=31536000; includeSubDomains"


def add_strict_transport_security(response: Response) -> Response:
    response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def add_security_headers(response: Response) -> Response:
    """Add each header the view did not set itself (one pass over the headers: this
    runs on every response, feeds polled all day included)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    return response
