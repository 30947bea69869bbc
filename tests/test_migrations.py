"""The migrations build exactly the schema the models describe, on both backends.

Each run uses an empty database of its own: ``flask db upgrade`` builds it, Alembic's
autogenerate comparison must then find nothing to change, and downgrading to the base
must remove every table again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from conferences import MIGRATIONS_DIR, create_app
from conferences.dbtypes import UTCDateTime
from conferences.extensions import db
from tests.conftest import make_test_config


def _render_item(type_, obj, _autogen_context):
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


@pytest.fixture
def empty_app(backend, request, tmp_path, monkeypatch) -> Iterator:
    """The application pointed at a brand-new, empty database on ``backend``."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'migrations.db'}"
        drop = None
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"migrations_{os.getpid()}"
        server.drop_database(name)
        url = server.create_database(name)
        drop = (server, name)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    application = create_app(make_test_config(url, str(tmp_path)))
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop[0].drop_database(drop[1])


def _differences(application) -> list:
    with application.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "render_item": _render_item},
        )
        return compare_metadata(context, db.metadata)


def _tables(application) -> set[str]:
    with application.app_context():
        return set(inspect(db.engine).get_table_names())


def test_upgrade_matches_models_and_downgrade_removes_everything(empty_app):
    assert _tables(empty_app) == set()
    runner = empty_app.test_cli_runner()

    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _tables(empty_app) == {t.name for t in db.metadata.sorted_tables} | {"alembic_version"}
    assert _differences(empty_app) == []

    result = runner.invoke(args=["db", "downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert _tables(empty_app) <= {"alembic_version"}

    # And up again: the downgrade left nothing behind that blocks a fresh upgrade.
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert _differences(empty_app) == []


def test_migrations_have_one_head():
    """Revisions from several people must stay one chain (``flask db upgrade`` needs it)."""
    heads = ScriptDirectory(MIGRATIONS_DIR).get_heads()
    assert len(heads) == 1, f"several heads: {heads}; merge them or fix down_revision"
