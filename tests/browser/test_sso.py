"""Single sign-on in a real browser: the sign-in page's button, the provider's own sign-in
page (oidc-provider on Node.js), and back to the app signed in; then signing out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from conferences.extensions import db
from conferences.people.models import Role, User
from tests.support.oidcprovider import OidcProvider

pytestmark = pytest.mark.browser


@pytest.fixture
def sso(app, live_server) -> Iterator[OidcProvider]:
    """A provider that sends browsers back to the live server, configured in the app."""
    with OidcProvider([f"{live_server.url}/login/oidc/callback"]) as provider:
        saved = dict(app.config)
        app.config.update(
            BASE_URL=live_server.url,
            OIDC_ISSUER=provider.issuer,
            OIDC_CLIENT_ID=provider.client_id,
            OIDC_CLIENT_SECRET=provider.client_secret,
            OIDC_LABEL="Sign in with Test Hospital",
            PASSWORD_LOGIN=False,
        )
        with app.app_context():
            alice = User(email="alice.resident@hospital.test", name="Alice Resident")
            alice.set_roles({Role.RESIDENT})
            alice.start_year = 2025
            db.session.add(alice)
            db.session.commit()
        yield provider
        app.config.clear()
        app.config.update(saved)


def test_sign_in_with_the_identity_provider(page: Page, live_server, sso):
    page.goto("/login")
    expect(page.get_by_label("Password")).to_have_count(0)  # password sign-in is off
    expect(page.get_by_label("Keep me signed in on this device")).to_be_checked()
    page.get_by_role("button", name="Sign in with Test Hospital").click()
    # The provider's own page, on its own origin.
    page.wait_for_url(f"{sso.issuer}/interaction/**")
    page.get_by_label("Account").fill("alice")
    page.get_by_role("button", name="Continue to the app").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("button", name="Alice Resident")).to_be_visible()
    page.get_by_role("button", name="Alice Resident").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(f"{live_server.url}/login?next=%2F")
