"""The My calendar page: address, subscribe help, reminders, follows, reset."""

from __future__ import annotations

import re

import pytest

from conferences.extensions import db
from conferences.feeds.models import FeedSubscription, SeriesFollow
from conferences.feeds.subscriptions import (
    SecretKeyMismatch,
    current_token,
    feed_token,
    followed_series_ids,
    get_subscription,
)


def feed_path(html: str) -> str:
    match = re.search(r'value="http://conferences\.test(/feeds/[A-Za-z0-9_-]+\.ics)"', html)
    assert match, "feed address not on the page"
    return match.group(1)


def my_address(client) -> str:
    """Create the address (a POST), then read it from the page."""
    assert client.post("/my-calendar/address").status_code == 303
    return feed_path(client.get("/my-calendar").get_data(as_text=True))


def test_needs_sign_in(client):
    response = client.get("/my-calendar")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["resident", "faculty", "coordinator", "admin"])
def test_every_role_gets_an_address(app_ctx, make_user, client, auth, role):
    user = make_user(roles=(role,), start_year=2026 if role == "resident" else None)
    db.session.commit()
    auth.login(user.email)
    first = client.get("/my-calendar").get_data(as_text=True)
    assert "Create my calendar address" in first
    assert client.post("/my-calendar/address").status_code == 303
    html = client.get("/my-calendar").get_data(as_text=True)
    path = feed_path(html)
    assert 'href="webcal://conferences.test/feeds/' in html
    assert 'src="data:image/svg+xml' in html  # the QR code
    for words in (
        "Other calendars",
        "From URL",
        "Subscribe from web",
        "New Calendar Subscription",
        "Add Subscribed Calendar",
    ):
        assert words in html
    assert "<script>" not in html  # no inline script (CSP)
    assert "js/feeds.js" in html
    assert client.get(path).status_code == 200
    # The same address on the next visit.
    assert feed_path(client.get("/my-calendar").get_data(as_text=True)) == path


def test_reset_kills_the_old_address(app_ctx, make_resident, client, auth):
    resident = make_resident(pgy=1)
    db.session.commit()
    auth.login(resident.email)
    old = my_address(client)
    response = client.post("/my-calendar/reset")
    assert response.status_code == 303
    new = feed_path(client.get("/my-calendar").get_data(as_text=True))
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_reset_needs_the_csrf_token(app_ctx, make_resident, client, auth, csrf_enabled):
    resident = make_resident(pgy=1)
    db.session.commit()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    client.post(
        "/login",
        data={"email": resident.email, "password": "correct-horse-battery", "csrf_token": token},
    )
    feed_token(resident)  # created earlier
    db.session.commit()
    old = feed_path(client.get("/my-calendar").get_data(as_text=True))
    assert client.post("/my-calendar/reset").status_code == 400
    assert client.get(old).status_code == 200


def test_alarm_form(app_ctx, make_resident, client, auth):
    resident = make_resident(pgy=1)
    db.session.commit()
    auth.login(resident.email)
    client.get("/my-calendar")
    assert client.post("/my-calendar/alarm", data={"alarm": "30"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(FeedSubscription, resident.id).alarm_minutes == 30
    client.post("/my-calendar/alarm", data={"alarm": "45"})
    db.session.expire_all()
    assert db.session.get(FeedSubscription, resident.id).alarm_minutes == 30
    client.post("/my-calendar/alarm", data={"alarm": ""})
    db.session.expire_all()
    assert db.session.get(FeedSubscription, resident.id).alarm_minutes is None


def test_follow_and_unfollow(app_ctx, make_user, make_series, client, auth):
    teacher = make_user(roles=("faculty",))
    series = make_series(title="Journal club", required=False)
    db.session.commit()
    auth.login(teacher.email)
    html = client.get("/my-calendar").get_data(as_text=True)
    assert "Journal club" in html
    assert client.post(f"/my-calendar/series/{series.id}/follow").status_code == 303
    assert followed_series_ids(teacher.id) == {series.id}
    assert "Unfollow" in client.get("/my-calendar").get_data(as_text=True)
    client.post(f"/my-calendar/series/{series.id}/unfollow")
    assert db.session.query(SeriesFollow).count() == 0
    assert client.post("/my-calendar/series/999999/follow").status_code == 404


# (method, endpoint, path, anonymous status): the page and its forms need sign-in; the
# .ics addresses are capabilities (an unguessable token or id) and answer anyone.
ROUTES = [
    ("GET", "feeds.my_calendar", "/my-calendar", 302),
    ("POST", "feeds.set_alarm", "/my-calendar/alarm", 302),
    ("POST", "feeds.set_blocks", "/my-calendar/blocks", 302),
    ("POST", "feeds.reset_token", "/my-calendar/reset", 302),
    ("POST", "feeds.create_address", "/my-calendar/address", 302),
    ("POST", "feeds.follow_series", "/my-calendar/series/1/follow", 302),
    ("POST", "feeds.unfollow_series", "/my-calendar/series/1/unfollow", 302),
    ("GET", "feeds.personal_feed", "/feeds/unknown.ics", 404),
    ("GET", "feeds.series_feed", "/feeds/series/unknown.ics", 404),
    ("GET", "feeds.session_ics", "/sessions/unknown.ics", 404),
]


@pytest.mark.parametrize(("method", "endpoint", "path", "status"), ROUTES)
def test_anonymous_access(client, method, endpoint, path, status):
    response = client.open(path, method=method)
    assert response.status_code == status
    if status == 302:
        assert "/login" in response.headers["Location"]


def test_every_feeds_route_is_in_the_table(app):
    listed = {(m, e) for m, e, *_ in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("feeds."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule.endpoint) in listed, f"{method} {rule.rule} is not tested"


def test_opening_my_calendar_writes_nothing(app_ctx, make_resident, client, auth):
    """A GET (a crawler, a link preview, the first visit) creates no subscription and
    bumps no counter; the address is created by a POST, and the page then shows it."""
    from conferences.program.models import ChangeCounter as Counter

    resident = make_resident(pgy=1)
    db.session.commit()
    auth.login(resident.email)

    def state():
        db.session.expire_all()
        return (
            db.session.query(FeedSubscription).count(),
            sorted((c.name, c.value) for c in db.session.query(Counter)),
        )

    before = state()
    for _ in range(2):
        page = client.get("/my-calendar")
        assert page.status_code == 200
        assert "/feeds/" not in page.get_data(as_text=True)
    assert state() == before
    path = my_address(client)
    assert state()[0] == before[0] + 1
    settled = state()
    assert feed_path(client.get("/my-calendar").get_data(as_text=True)) == path
    assert state() == settled


def test_another_secret_key_does_not_silently_change_feed_addresses(
    app, client, make_resident, caplog
):
    """A worker started with a different SECRET_KEY refuses to show (and re-salt) feed
    addresses, and says so; the address made with the real key keeps working."""
    resident = make_resident(email="keyed@example.test")
    token = feed_token(resident)
    salt = get_subscription(resident).token_salt
    db.session.commit()
    real_key = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-different-key-on-one-worker"
    try:
        with pytest.raises(SecretKeyMismatch, match="tell an administrator"):
            feed_token(resident)
        # The page's read path refuses the same way: it never offers to renew the address.
        with pytest.raises(SecretKeyMismatch):
            current_token(resident)
    finally:
        app.config["SECRET_KEY"] = real_key
    db.session.rollback()
    assert get_subscription(resident).token_salt == salt
    assert "SECRET_KEY differs" in caplog.text
    assert feed_token(resident) == token
    assert client.get(f"/feeds/{token}.ics").status_code == 200
