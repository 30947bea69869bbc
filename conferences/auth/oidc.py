"""The OpenID Connect client (Authlib's Flask integration), built from the configuration:
OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET. Endpoints and signing keys come from the
issuer's /.well-known/openid-configuration. Authorization-code flow with PKCE (S256),
``state`` and ``nonce``; Authlib keeps them in the signed session cookie between the
redirect and the callback, checks ``state``, sends the PKCE verifier with the code, and
verifies the ID token's signature, issuer, audience, expiry and ``nonce``.
"""

from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app

SCOPE = "openid email profile"


def enabled(app: Flask | None = None) -> bool:
    config = (app or current_app).config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def client():
    """The provider's client for the current configuration (built once per configuration)."""
    app = current_app
    config = app.config
    issuer = config["OIDC_ISSUER"].rstrip("/")
    settings = (issuer, config["OIDC_CLIENT_ID"], config.get("OIDC_CLIENT_SECRET") or "")
    cached = app.extensions.get("conferences.oidc")
    if cached is None or cached[0] != settings:
        oauth = OAuth(app)
        remote = oauth.register(
            "oidc",
            client_id=settings[1],
            client_secret=settings[2],
            server_metadata_url=f"{issuer}/.well-known/openid-configuration",
            client_kwargs={
                "scope": SCOPE,
                "code_challenge_method": "S256",
                "default_timeout": float(config["OIDC_TIMEOUT_SECONDS"]),
            },
        )
        cached = (settings, remote)
        app.extensions["conferences.oidc"] = cached
    return cached[1]


def issuer() -> str:
    """The issuer as the provider names itself (from its metadata, once loaded)."""
    metadata = client().load_server_metadata()
    return str(metadata.get("issuer") or current_app.config["OIDC_ISSUER"].rstrip("/"))
