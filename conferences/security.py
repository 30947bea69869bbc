"""HTTP security headers for every response."""

from __future__ import annotations

from flask import Flask, current_app
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


# Browsers that saw the site over https refuse plain http to it for a year.
STRICT_TRANSPORT_SECURITY = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def init_app(app: Flask) -> None:
    app.extensions["security_headers"] = headers_for(app.config["BASE_URL"])
    app.after_request(add_security_headers)


def headers_for(base_url: str) -> tuple[tuple[str, str], ...]:
    """The headers every response carries; HSTS when the public address is https."""
    if base_url.startswith("https://"):
        return (*SECURITY_HEADERS, STRICT_TRANSPORT_SECURITY)
    return SECURITY_HEADERS


def add_security_headers(response: Response) -> Response:
    """Add each header the view did not set itself (one pass over the headers: this
    runs on every response, feeds polled all day included)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    for name, value in current_app.extensions["security_headers"]:
        if name.lower() not in present:
            headers.add(name, value)
    return response
