"""HTTP security headers for every response."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

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


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


# When BASE_URL is https: browsers that have seen the site never use plain HTTP for it again.
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


def transport_headers(app: Flask) -> tuple[tuple[str, str], ...]:
    """Strict-Transport-Security when the public address is HTTPS (also for the feed fast
    path, which answers before Flask)."""
    return (HSTS,) if app.config["BASE_URL"].startswith("https://") else ()


@lru_cache(maxsize=8)
def _policy_allowing_forms_to(issuer: str) -> str:
    """The policy, with the identity provider's origin added to ``form-action``: the single
    sign-on button is a form (with "Keep me signed in"), and browsers check form-action on
    the redirect to the provider too."""
    parts = urlsplit(issuer)
    if not (parts.scheme and parts.netloc):
        return CONTENT_SECURITY_POLICY
    origin = f"{parts.scheme}://{parts.netloc}"
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {origin}")


def add_security_headers(response: Response) -> Response:
    """Add each header the view did not set itself (one pass over the headers: this
    runs on every response, feeds polled all day included)."""
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}
    issuer = current_app.config.get("OIDC_ISSUER")
    for name, value in (*SECURITY_HEADERS, *transport_headers(current_app)):
        if name.lower() not in present:
            if issuer and name == "Content-Security-Policy":
                value = _policy_allowing_forms_to(issuer)
            headers.add(name, value)
    return response
