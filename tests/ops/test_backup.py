"""Backup and restore: a round trip through the portable file on each backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select

from conferences import backup
from conferences.attendance.models import Attendance, Mark, Source
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.models import Firm, Role, User
from conferences.schedule.models import Series, Session


def _fill_program() -> None:
    firm = Firm(name="Osler")
    db.session.add(firm)
    db.session.flush()
    resident = User(email="r@example.test", name="Rae Resident", start_year=2026, firm_id=firm.id)
    resident.set_roles({Role.RESIDENT})
    coordinator = User(email="c@example.test", name="Cy Coordinator")
    coordinator.set_roles({Role.COORDINATOR, Role.RESIDENT})
    db.session.add_all([resident, coordinator])
    series = Series(
        slug="noon",
        title="Noon Conference",
        kind="noon_conference",
        start_time=time(12),
        end_time=time(13),
        weekdays=[0, 1],
        starts_on=date(2026, 7, 1),
        ends_on=date(2027, 6, 30),
        audience={"pgy": [1]},
    )
    db.session.add(series)
    db.session.flush()
    start = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
    session = Session(
        series_id=series.id,
        title="Sepsis",
        kind="noon_conference",
        starts_at=start,
        ends_at=start.replace(hour=18),
        audience={"pgy": [1]},
        occurrence_on=date(2026, 11, 2),
    )
    db.session.add(session)
    db.session.flush()
    db.session.add(
        Attendance(
            session_id=session.id,
            resident_id=resident.id,
            mark=Mark.LATE,
            source=Source.CHECKIN,
            checked_in_at=start.replace(minute=12),
        )
    )
    db.session.commit()


def test_round_trip_restores_every_row(migrated_app_factory, tmp_path):
    source = migrated_app_factory()
    path = tmp_path / "program.json.gz"
    with source.app_context():
        _fill_program()
        exported = backup.write_backup(path)
    assert exported["users"] == 2
    assert exported["attendance"] == 1

    target = migrated_app_factory()
    with target.app_context():
        counts = backup.restore_program(backup.read_backup(path))
        db.session.commit()
        assert counts == exported
        session = db.session.scalar(select(Session))
        assert session.starts_at == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
        assert session.audience == {"pgy": [1]}
        mark = db.session.scalar(select(Attendance))
        assert mark.checked_in_at == datetime(2026, 11, 2, 17, 12, tzinfo=UTC)
        coordinator = db.session.scalar(select(User).where(User.email == "c@example.test"))
        assert coordinator.roles == {Role.COORDINATOR, Role.RESIDENT}
        # New rows get fresh ids after a restore (PostgreSQL sequences were moved on).
        extra = Firm(name="Peabody")
        db.session.add(extra)
        db.session.commit()
        assert extra.id == 2


def test_restore_refuses_a_non_empty_database(migrated_app_factory, tmp_path):
    source = migrated_app_factory()
    path = tmp_path / "program.json.gz"
    with source.app_context():
        _fill_program()
        backup.write_backup(path)
        with pytest.raises(DomainError, match="not empty"):
            backup.restore_program(backup.read_backup(path))
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(User)) == 2


def test_restore_rejects_a_file_that_is_not_a_backup(migrated_app_factory, tmp_path):
    target = migrated_app_factory()
    path = tmp_path / "junk.json.gz"
    path.write_bytes(b"not gzip at all")
    with target.app_context(), pytest.raises(DomainError, match="Cannot read"):
        backup.read_backup(path)


def test_cli_backup_and_restore(migrated_app_factory, tmp_path):
    source = migrated_app_factory()
    path = tmp_path / "cli.json.gz"
    with source.app_context():
        _fill_program()
    result = source.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    target = migrated_app_factory()
    result = target.test_cli_runner().invoke(args=["restore", str(path)])
    assert result.exit_code == 0, result.output
    with target.app_context():
        assert db.session.scalar(select(func.count()).select_from(Session)) == 1


def test_backups_are_readable_by_their_owner_only(migrated_app_factory, tmp_path):
    source = migrated_app_factory()
    path = tmp_path / "program.json.gz"
    path.write_text("an older file, once readable by all")
    path.chmod(0o644)
    with source.app_context():
        _fill_program()
        backup.write_backup(path)
    assert path.stat().st_mode & 0o777 == 0o600
    fresh = tmp_path / "fresh.json.gz"
    with source.app_context():
        backup.write_backup(fresh)
    assert fresh.stat().st_mode & 0o777 == 0o600


def test_a_backup_without_secrets_leaves_them_out(migrated_app_factory, tmp_path):
    from conferences.auth import sessions as sign_ins
    from conferences.feeds.models import FeedSubscription
    from conferences.notifications import services as mail

    source = migrated_app_factory()
    full, bare = tmp_path / "full.json.gz", tmp_path / "bare.json.gz"
    with source.app_context():
        _fill_program()
        resident = db.session.scalar(select(User).where(User.email == "r@example.test"))
        resident.set_password("a-real-passphrase")
        sign_ins.start(resident, method="password", remember=True)
        db.session.add(
            FeedSubscription(user_id=resident.id, token_hash="f" * 64, token_salt="salt-1234")
        )
        mail.send(resident.email, "Hello", "A message with a private link")
        db.session.commit()
        backup.write_backup(full)
        backup.write_backup(bare, without_secrets=True)
    data, stripped = backup.read_backup(full), backup.read_backup(bare)
    assert any(row["password_hash"] for row in data["tables"]["users"])
    assert data["tables"]["sign_ins"]
    assert data["tables"]["outbox_messages"]
    assert all(row["password_hash"] == "" for row in stripped["tables"]["users"])
    assert stripped["tables"]["sign_ins"] == []
    assert stripped["tables"]["outbox_messages"] == []
    assert data["tables"]["feed_subscriptions"][0]["token_salt"] == "salt-1234"
    assert stripped["tables"]["feed_subscriptions"] == []
    old = data["tables"]["sessions"][0]["checkin_secret"]
    assert stripped["tables"]["sessions"][0]["checkin_secret"] not in ("", old)
    # Everything else is kept, and the copy restores.
    assert len(stripped["tables"]["users"]) == len(data["tables"]["users"])
    target = migrated_app_factory()
    with target.app_context():
        counts = backup.restore_program(stripped)
        db.session.commit()
    assert counts["users"] == 2
    assert counts["sign_ins"] == 0


def test_the_backup_command_offers_without_secrets(migrated_app_factory, tmp_path):
    source = migrated_app_factory()
    path = tmp_path / "bare.json.gz"
    with source.app_context():
        _fill_program()
    result = source.test_cli_runner().invoke(args=["backup", "--without-secrets", str(path)])
    assert result.exit_code == 0, result.output
    assert all(r["password_hash"] == "" for r in backup.read_backup(path)["tables"]["users"])
    assert path.stat().st_mode & 0o777 == 0o600
