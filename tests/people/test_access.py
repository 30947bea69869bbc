"""Who may open each admin page: every people route × anonymous and every role."""

from __future__ import annotations

import pytest
from flask import url_for

from conferences.extensions import db
from tests.people.conftest import ROLES

# (method, endpoint, url arguments, form data, status for an admin)
ROUTES = [
    ("GET", "people.list_users", {}, None, 200),
    ("GET", "people.create_user", {}, None, 200),
    ("POST", "people.create_user", {}, {"name": "", "email": ""}, 200),
    ("GET", "people.edit_user", {"user_id": ":target"}, None, 200),
    ("POST", "people.edit_user", {"user_id": ":target"}, {"name": ""}, 200),
    ("POST", "people.deactivate_user", {"user_id": ":target"}, {}, 303),
    ("POST", "people.reactivate_user", {"user_id": ":target"}, {}, 303),
    ("GET", "people.reset_password", {"user_id": ":target"}, None, 200),
    ("POST", "people.reset_password", {"user_id": ":target"}, {}, 200),
    ("GET", "people.firms_and_tracks", {}, None, 200),
    ("POST", "people.add_group", {"kind": "firm"}, {"new-firm-name": "Osler"}, 303),
    ("POST", "people.rename_group", {"kind": "firm", "group_id": ":firm"}, {"name": "X"}, 303),
    ("POST", "people.set_group_active", {"kind": "track", "group_id": ":track"}, {}, 303),
    ("POST", "people.set_track_years", {"group_id": ":track"}, {"years": "1"}, 303),
    ("GET", "people.settings", {}, None, 200),
    ("POST", "people.settings", {}, {"name": ""}, 200),
    ("POST", "people.set_threshold", {}, {"start_year": "2026", "percent": "80"}, 303),
    ("GET", "people.import_roster", {}, None, 200),
    ("POST", "people.import_roster", {}, {}, 422),
    ("POST", "people.apply_roster", {}, {"token": "forged"}, 303),
]


def _expected(who: str, admin_status: int) -> int:
    if who == "anonymous":
        return 302
    return admin_status if who == "admin" else 403


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
@pytest.mark.parametrize(
    ("method", "endpoint", "values", "data", "admin_status"),
    ROUTES,
    ids=[f"{m} {e}" for m, e, *_ in ROUTES],
)
def test_people_routes_by_role(
    app,
    client,
    auth,
    accounts,
    make_firm,
    make_track,
    clock,
    who,
    method,
    endpoint,
    values,
    data,
    admin_status,
):
    """Admins may; everyone else gets 403; the anonymous are sent to sign in."""
    target = accounts["resident"]
    firm, track = make_firm("Peabody"), make_track("Categorical")
    db.session.commit()
    ids = {":target": target.id, ":firm": firm.id, ":track": track.id}
    values = {k: ids.get(v, v) for k, v in values.items()}
    if who != "anonymous":
        assert auth.login(accounts[who].email).status_code == 302
    with app.test_request_context():
        url = url_for(endpoint, **values)
    response = client.open(url, method=method, data=data)
    assert response.status_code == _expected(who, admin_status)
    if who == "anonymous":
        assert "/login" in response.headers["Location"]


AUTH_ROUTES = [
    # (method, path, status when anonymous, status when signed in)
    ("GET", "/login", 200, 302),
    ("POST", "/logout", 302, 302),
    ("GET", "/account/password", 302, 200),
    ("POST", "/account/password", 302, 200),
]


@pytest.mark.parametrize("who", ["anonymous", *ROLES])
@pytest.mark.parametrize(("method", "path", "anonymous", "signed_in"), AUTH_ROUTES)
def test_auth_routes_by_role(client, auth, accounts, who, method, path, anonymous, signed_in):
    if who != "anonymous":
        auth.login(accounts[who].email)
    response = client.open(path, method=method, data={})
    assert response.status_code == (anonymous if who == "anonymous" else signed_in)


def test_every_people_route_is_in_the_table(app):
    """A new people route must be added to ROUTES (and so be checked for every role)."""
    listed = {(m, e) for m, e, *_ in ROUTES}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("people."):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert (method, rule.endpoint) in listed, f"{method} {rule.rule} is not tested"
