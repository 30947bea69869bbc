"""A real OpenID Connect provider for the tests: the OpenID-certified npm package
``oidc-provider`` (pinned in tests/oidc/package-lock.json), run by Node.js on a free
localhost port. See tests/oidc/provider.mjs for its test client, accounts and the test-only
tampering of ID tokens (wrong nonce, expired) for the bad cases.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import subprocess
from pathlib import Path
from types import TracebackType

import requests

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc"
CLIENT_ID = "conferences-test"
CLIENT_SECRET = "a-client-secret-for-the-tests-only-0123456789"

# Accounts at the provider, by subject. "tamper" makes the provider re-sign the ID token
# with a wrong nonce or already expired.
ACCOUNTS = {
    "alice": {"email": "Alice.Resident@Hospital.test", "email_verified": True},
    "admin": {"email": "admin@hospital.test", "email_verified": True},
    "unverified": {"email": "unverified@hospital.test", "email_verified": False},
    "stranger": {"email": "nobody@hospital.test", "email_verified": True},
    "gone": {"email": "gone@hospital.test", "email_verified": True},
    "wrong-nonce": {"email": "nonce@hospital.test", "email_verified": True, "tamper": "nonce"},
    "expired": {"email": "expired@hospital.test", "email_verified": True, "tamper": "expired"},
}


def ensure_installed() -> None:
    """``npm ci`` in tests/oidc when its node_modules is missing or older than the lock."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("Node.js and npm are needed (make test installs them)")
    lock = PROVIDER_DIR / "package-lock.json"
    installed = PROVIDER_DIR / "node_modules" / ".package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
        cwd=PROVIDER_DIR,
        check=True,
        timeout=300,
    )


class OidcProvider:
    """``with OidcProvider([redirect_uri]) as provider:`` ``provider.issuer`` is its URL."""

    def __init__(self, redirect_uris: list[str], accounts: dict | None = None) -> None:
        self.redirect_uris = redirect_uris
        self.accounts = accounts or ACCOUNTS
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self.issuer = ""
        self._process: subprocess.Popen | None = None

    def __enter__(self) -> OidcProvider:
        ensure_installed()
        config = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": self.redirect_uris,
            "accounts": self.accounts,
        }
        env = {**os.environ, "OIDC_TEST_CONFIG": json.dumps(config), "NODE_ENV": "test"}
        self._process = subprocess.Popen(
            ["node", str(PROVIDER_DIR / "provider.mjs")],
            cwd=PROVIDER_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        selector = selectors.DefaultSelector()
        selector.register(self._process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout=30):
            self.__exit__(None, None, None)
            raise RuntimeError("the OpenID provider did not start within 30 s")
        line = self._process.stdout.readline().strip()
        if not line.startswith("READY "):
            self.__exit__(None, None, None)
            raise RuntimeError(f"the OpenID provider failed to start: {line!r}")
        self.issuer = line.removeprefix("READY ")
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def sign_in(self, authorize_url: str, account: str, redirect_prefix: str) -> str:
        """Play the person at the provider with an HTTP client: open the authorization URL,
        sign in as ``account`` on the provider's page, and return the URL the provider sends
        the browser back to (which starts with ``redirect_prefix``)."""
        browser = requests.Session()
        url, method, data = authorize_url, "GET", None
        for _ in range(10):
            response = browser.request(method, url, data=data, allow_redirects=False, timeout=10)
            location = response.headers.get("Location")
            if location:
                url = requests.compat.urljoin(url, location)
                if url.startswith(redirect_prefix):
                    return url
                method, data = "GET", None
            elif response.status_code == 200 and "/interaction/" in url:
                method, data = "POST", {"account": account}
            else:
                raise AssertionError(f"provider answered {response.status_code}: {response.text}")
        raise AssertionError("the provider never sent the browser back")
