def test_healthz_reports_database(client, backend):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_login_and_home(client, auth, make_user, app_ctx):
    from conferences.extensions import db

    user = make_user(roles=("resident",), email="r@example.test")
    db.session.commit()
    response = auth.login("R@Example.test")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert user.id
