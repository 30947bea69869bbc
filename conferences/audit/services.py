"""Recording audit events."""

from __future__ import annotations

from conferences.audit.models import AuditEvent
from conferences.extensions import db


def record(
    actor,
    action: str,
    obj,
    *,
    before: dict | None = None,
    after: dict | None = None,
    note: str = "",
) -> AuditEvent:
    """Append an audit event for ``obj`` (any model with an ``id``) done by ``actor``."""
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__tablename__,
        object_id=getattr(obj, "id", None),
        before=before,
        after=after,
        note=note,
    )
    db.session.add(event)
    return event
