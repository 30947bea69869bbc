"""Migrations run down to the first revision and forward again on a database holding a
full demo year, and no row is lost. (The demo is loaded with today's schema: today's code
may use tables an older revision does not have.)"""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from conferences.attendance.models import Attendance
from conferences.demo import load_demo
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Session

BASE_REVISION = "0001"


def test_downgrade_and_upgrade_keep_the_demo_year(migrated_app_factory):
    app = migrated_app_factory()
    with app.app_context():
        load_demo()
        db.session.commit()
        before = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Session, Attendance)
        }
        db.session.remove()
        downgrade(revision=BASE_REVISION)
        upgrade()
        after = {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Session, Attendance)
        }
    assert before == after
    assert before["users"] > 200
    assert before["sessions"] > 1000
    assert before["attendance"] > 10000
