"""The coordinators' queue of pending claims and the decision on one, for every kind of
claim ("I attended", "I watched the recording"): one page, one pair of handlers. Each
kind's blueprint registers them with its wording and its service (``ClaimQueue``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.policy import permission_required


@dataclass(frozen=True)
class ClaimQueue:
    """One kind of claim's queue: its address, wording (``attendance/claim_queue.html``)
    and the service calls behind it."""

    url: str  # the queue; a claim is decided at <url>/<claim_id>
    model: type
    pending: Callable[[], list]
    decide_claim: Callable  # the kind's service: (claim, *, approve, actor, comment)
    form: Callable  # the decision form class
    title: str
    heading: str
    empty: str
    link_endpoint: str  # takes public_id: the page the claim's session links to
    link_label: str
    flash_noun: str  # "Claim" -> "Claim by Ann approved."
    max_comment: int
    data_attribute: str = ""  # an attribute naming each card's claim, e.g. data-recording-claim
    show_room: bool = False


def register(bp: Blueprint, queue: ClaimQueue) -> None:
    """Add ``<bp>.claim_queue`` (GET) and ``<bp>.decide_claim`` (POST), for coordinators."""

    def claim_queue():
        """Pending claims of this kind, oldest first, each with approve and deny buttons."""
        return render_template(
            "attendance/claim_queue.html",
            page=queue,
            decide_endpoint=f"{bp.name}.decide_claim",
            claims=queue.pending(),
            form=queue.form(),
        )

    def decide_claim(claim_id: int):
        """Approve or deny (with a comment) one claim, then back to the queue."""
        claim = db.get_or_404(queue.model, claim_id)
        form = queue.form()
        if not form.validate_on_submit() or form.decision.data not in ("approve", "deny"):
            abort(400)
        try:
            queue.decide_claim(
                claim,
                approve=form.decision.data == "approve",
                actor=current_user,
                comment=form.comment.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            verdict = "approved" if form.decision.data == "approve" else "denied"
            flash(f"{queue.flash_noun} by {claim.resident.name} {verdict}.", "success")
        return redirect(url_for(f"{bp.name}.claim_queue"), 303)

    allowed = permission_required("manage_attendance")
    bp.add_url_rule(queue.url, "claim_queue", allowed(claim_queue), methods=["GET"])
    bp.add_url_rule(
        f"{queue.url}/<int:claim_id>", "decide_claim", allowed(decide_claim), methods=["POST"]
    )
