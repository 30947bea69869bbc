from tests.browser.conftest import login


def test_login_page_signs_in(page, make_user, app_ctx):
    from conferences.extensions import db

    make_user(roles=("resident",), email="res@example.test", name="Rita Resident")
    db.session.commit()
    login(page, "res@example.test")
    assert page.get_by_role("heading", name="Hello, Rita").is_visible()
