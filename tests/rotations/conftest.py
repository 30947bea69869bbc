"""Factories for rotation types and blocks (also used by the excusal and report tests)."""

from __future__ import annotations

from datetime import date

import pytest

from conferences.extensions import db
from conferences.rotations.models import RotationAssignment, RotationType


@pytest.fixture
def make_rotation(app_ctx):
    """``make_rotation(name, setting="inpatient", excuses=None)``: excuses defaults by setting."""

    def make(name: str, setting: str = "inpatient", excuses: bool | None = None) -> RotationType:
        from conferences.rotations.services import default_excuses

        rotation = RotationType(
            name=name,
            setting=setting,
            excuses=default_excuses(setting) if excuses is None else excuses,
        )
        db.session.add(rotation)
        db.session.flush()
        return rotation

    return make


@pytest.fixture
def make_block(app_ctx):
    """``make_block(resident, rotation, start_on, end_on)``, stored directly (no rules)."""

    def make(resident, rotation, start_on: date, end_on: date) -> RotationAssignment:
        block = RotationAssignment(
            resident_id=resident.id,
            rotation_type_id=rotation.id,
            start_on=start_on,
            end_on=end_on,
        )
        db.session.add(block)
        db.session.flush()
        return block

    return make
