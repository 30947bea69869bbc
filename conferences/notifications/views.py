"""HTTP handlers for the notifications domain: the outbox admins read."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from conferences.dbutil import page_number
from conferences.extensions import db
from conferences.notifications.models import OutboxMessage
from conferences.people.policy import permission_required

bp = Blueprint("notifications", __name__)

PAGE_SIZE = 50


@bp.get("/admin/outbox")
@permission_required("view_outbox")
def outbox():
    """Every message the app sent or tried to send, newest first; filter by recipient."""
    query = select(OutboxMessage)
    count_query = select(func.count(OutboxMessage.id))
    recipient = (request.args.get("to") or "").strip().lower()
    if recipient:
        pattern = f"%{recipient}%"
        query = query.where(OutboxMessage.to_email.ilike(pattern))
        count_query = count_query.where(OutboxMessage.to_email.ilike(pattern))
    failed = request.args.get("failed") == "1"
    if failed:
        query = query.where(OutboxMessage.error != "")
        count_query = count_query.where(OutboxMessage.error != "")
    page = page_number(request.args.get("page"))
    total = db.session.scalar(count_query) or 0
    messages = list(
        db.session.scalars(
            query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    return render_template(
        "notifications/outbox.html",
        messages=messages,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        recipient=recipient,
        failed=failed,
    )
