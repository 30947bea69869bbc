"""Fixtures for operations tests: extra, fully migrated databases on the current backend."""

from __future__ import annotations

import itertools

import pytest
from flask_migrate import upgrade

from conferences import create_app
from tests.conftest import make_test_config

_numbers = itertools.count(1)


@pytest.fixture
def migrated_app_factory(backend, request, tmp_path):
    """``make()`` returns a new app on a new, migrated, empty database of this backend."""
    created = []

    def make():
        n = next(_numbers)
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path / f'extra{n}.db'}"
        else:
            server = request.getfixturevalue("postgres_server")
            url = server.create_database(f"extra_{n}_{id(created) % 100000}")
        extra = create_app(make_test_config(url, str(tmp_path)))
        with extra.app_context():
            upgrade()
        created.append(extra)
        return extra

    yield make
    for extra in created:
        with extra.app_context():
            from conferences.extensions import db

            db.session.remove()
            db.engine.dispose()
