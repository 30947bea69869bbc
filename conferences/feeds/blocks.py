"""Rotation blocks in a person's feed: all-day events, shown as free, opt-in."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select

from conferences.extensions import db
from conferences.feeds import ical
from conferences.people.models import User
from conferences.rotations.models import (
    SETTING_LABELS,
    RotationAssignment,
    RotationType,
)

# DTSTAMP of blocks made before blocks carried a stamp.
BLOCK_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def feed_blocks(user: User, first: date, last: date) -> tuple[ical.BlockData, ...]:
    """The person's rotation blocks overlapping the feed window, as all-day events."""
    rows = db.session.execute(
        select(
            RotationAssignment.id,
            RotationType.name,
            RotationType.setting,
            RotationAssignment.start_on,
            RotationAssignment.end_on,
            RotationAssignment.revision,
            RotationAssignment.updated_at,
        )
        .join(RotationType, RotationType.id == RotationAssignment.rotation_type_id)
        .where(
            RotationAssignment.resident_id == user.id,
            RotationAssignment.start_on <= last,
            RotationAssignment.end_on >= first,
        )
        .order_by(RotationAssignment.start_on, RotationAssignment.id)
    )
    return tuple(
        ical.BlockData(
            block_id,
            block_title(name, setting),
            start_on,
            end_on,
            revision or 0,
            updated_at or BLOCK_EPOCH,
        )
        for block_id, name, setting, start_on, end_on, revision, updated_at in rows
    )


def block_title(name: str, setting: str) -> str:
    """ "ICU — MICU": the rotation's setting, then its name (once if they are the same)."""
    label = SETTING_LABELS.get(setting, setting)  # type: ignore[call-overload]
    return name if label.lower() == name.lower() else f"{label} — {name}"
