"""The coordinators' queue of pending claims and the decision on one, for every kind of
claim ("I attended", "I watched the recording"): one page, one handler, each kind's
blueprint supplies its wording (``QueuePage``) and its service."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from conferences.errors import DomainError
from conferences.extensions import db


@dataclass(frozen=True)
class QueuePage:
    """What ``attendance/claim_queue.html`` says for one kind of claim."""

    title: str
    heading: str
    empty: str
    decide_endpoint: str  # takes claim_id
    link_endpoint: str  # takes public_id: the page the claim's session links to
    link_label: str
    flash_noun: str  # "Claim" -> "Claim by Ann approved."
    max_comment: int
    data_attribute: str = ""  # an attribute naming each card's claim, e.g. data-recording-claim
    show_room: bool = False


def queue(page: QueuePage, claims: list, form):
    """The pending claims of one kind, oldest first, each with approve and deny buttons."""
    return render_template("attendance/claim_queue.html", page=page, claims=claims, form=form)


def decide(page: QueuePage, claim, form, decide_claim: Callable, queue_endpoint: str):
    """Approve or deny (with a comment) one claim, then back to its queue."""
    if not form.validate_on_submit() or form.decision.data not in ("approve", "deny"):
        abort(400)
    try:
        decide_claim(
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
        flash(f"{page.flash_noun} by {claim.resident.name} {verdict}.", "success")
    return redirect(url_for(queue_endpoint), 303)
