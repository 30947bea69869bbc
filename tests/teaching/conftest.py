"""Factories for teaching tests: slots on sessions, and a few people with roles."""

from __future__ import annotations

from datetime import date, time

import pytest

from conferences.extensions import db
from conferences.teaching.models import TeachingSlot


@pytest.fixture
def make_slot(app_ctx, make_session):
    """``make_slot(session=None, role="lecturer", eligibility="faculty", holder=None, **cols)``."""

    def make(session=None, role="lecturer", eligibility="faculty", holder=None, **kw):
        if session is None:
            session = make_session(on=kw.pop("on", date(2026, 11, 30)), start=time(12, 0))
        slot = TeachingSlot(
            session_id=session.id,
            role=role,
            eligibility=eligibility,
            holder_id=holder.id if holder is not None else None,
            **kw,
        )
        db.session.add(slot)
        db.session.flush()
        return slot

    return make


@pytest.fixture
def faculty(make_user):
    return make_user(roles=("faculty",), email="fay@example.test", name="Fay Faculty")


@pytest.fixture
def other_faculty(make_user):
    return make_user(roles=("faculty",), email="olaf@example.test", name="Olaf Other")


@pytest.fixture
def coordinator(make_user):
    return make_user(roles=("coordinator",), email="coco@example.test", name="Coco Coordinator")


@pytest.fixture
def resident(make_resident):
    return make_resident(pgy=2, email="rita@example.test", name="Rita Resident")
