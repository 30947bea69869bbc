"""When the database cannot be reached the app says so clearly instead of failing obscurely."""

from __future__ import annotations

import pytest

from conferences import create_app
from tests.conftest import make_test_config
from tests.support.pgserver import free_port


@pytest.fixture(params=["sqlite", "postgresql"])
def app_without_database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'missing-dir' / 'nope.db'}"
    else:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nope?connect_timeout=2"
    return create_app(make_test_config(url, str(tmp_path)))


def test_healthz_reports_unavailable_database(app_without_database):
    response = app_without_database.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unavailable"}


def test_pages_answer_503_with_a_clear_message(app_without_database):
    response = app_without_database.test_client().post(
        "/login", data={"email": "a@example.test", "password": "whatever-password"}
    )
    assert response.status_code == 503
    assert "database cannot be reached" in response.get_data(as_text=True)
