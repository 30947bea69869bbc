"""HTTP handlers for excusal requests and decisions."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import excusals
from conferences.attendance.excusal_forms import (
    DecideExcusalForm,
    GrantExcusalForm,
    RequestExcusalForm,
    RevokeExcusalForm,
    WithdrawExcusalForm,
)
from conferences.attendance.models import Excusal
from conferences.dbutil import parse_id
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.formutil import choices, show_error
from conferences.people.models import User
from conferences.people.policy import permission_required
from conferences.program.services import claim_form_key, settle_form_key
from conferences.rotations.services import residents as active_residents
from conferences.schedule.audience import facts_for, in_audience
from conferences.schedule.models import Session, SessionStatus

bp = Blueprint("excusals", __name__)

PICK_PAST_DAYS = 14
PICK_AHEAD_DAYS = 60


def _see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=303)


def _session_choices(resident: User) -> list[tuple[int, str]]:
    """Required sessions of the resident's audience from two weeks ago to two months ahead."""
    today = timeutil.local_today()
    first, last = timeutil.range_bounds(
        today - timedelta(days=PICK_PAST_DAYS), today + timedelta(days=PICK_AHEAD_DAYS)
    )
    facts = facts_for(resident)
    sessions = db.session.scalars(
        select(Session)
        .where(Session.starts_at >= first, Session.starts_at < last)
        .where(Session.required.is_(True), Session.status != SessionStatus.CANCELLED.value)
        .order_by(Session.starts_at)
    )
    return [
        (s.id, f"{timeutil.format_local(s.starts_at, '%a %d %b %H:%M')} · {s.title}")
        for s in sessions
        if in_audience(s, facts)
    ]


@bp.route("/excusals/request", methods=["GET", "POST"])
@permission_required("request_excusal")
def request_excusal():
    """A resident asks to be excused over some days or from chosen sessions."""
    form = RequestExcusalForm()
    form.sessions.choices = choices(_session_choices(current_user))
    warnings: list[str] = []
    if form.validate_on_submit():
        if claim_form_key(form.form_key.data, "excusal") is not None:
            db.session.rollback()
            flash("This request was already sent.", "info")
            return _see_other("excusals.request_excusal")
        by_sessions = form.mode.data == "sessions"
        try:
            result = excusals.request_excusal(
                current_user,
                actor=current_user,
                reason=form.reason.data,
                note=form.note.data or "",
                starts_on=None if by_sessions else form.starts_on.data,
                ends_on=None if by_sessions else form.ends_on.data,
                session_ids=form.sessions.data if by_sessions else None,
                confirm=bool(form.confirm.data),
            )
        except excusals.NeedsConfirmation as question:
            db.session.rollback()
            warnings = question.warnings
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            settle_form_key(form.form_key.data, url_for("excusals.request_excusal"))
            db.session.commit()
            flash(f"Request sent to the coordinators. {result.message}", "success")
            return _see_other("excusals.request_excusal")
    mine = excusals.excusals_of(current_user)
    return render_template(
        "excusals/request.html",
        form=form,
        warnings=warnings,
        mine=mine,
        withdraw_form=WithdrawExcusalForm(),
        describe=excusals.describe,
    )


def _load(excusal_id: int) -> Excusal:
    return db.get_or_404(Excusal, excusal_id)


@bp.post("/excusals/<int:excusal_id>/withdraw")
@permission_required("request_excusal")
def withdraw(excusal_id: int):
    """The resident takes back a pending request."""
    excusal = _load(excusal_id)
    form = WithdrawExcusalForm()
    if form.validate_on_submit():
        excusals.withdraw_excusal(excusal, actor=current_user)
        db.session.commit()
        flash("Request withdrawn.", "success")
    return _see_other("excusals.request_excusal")


@bp.get("/excusals")
@permission_required("decide_excusals")
def queue():
    """Pending requests to decide, and the most recent decisions."""
    pending = excusals.pending_excusals()
    covered = {e.id: excusals.covered_sessions(e) for e in pending}
    return render_template(
        "excusals/queue.html",
        pending=pending,
        covered=covered,
        decided=excusals.recent_decisions(),
        decide_form=DecideExcusalForm(),
        revoke_form=RevokeExcusalForm(),
        describe=excusals.describe,
    )


@bp.post("/excusals/<int:excusal_id>/decide")
@permission_required("decide_excusals")
def decide(excusal_id: int):
    """Approve or deny a pending request with a comment."""
    excusal = _load(excusal_id)
    form = DecideExcusalForm()
    if not form.validate_on_submit():
        flash("The decision could not be read; try again.", "danger")
        return _see_other("excusals.queue")
    approve = bool(form.approve.data) and not form.deny.data
    excusals.decide_excusal(excusal, actor=current_user, approve=approve, comment=form.comment.data)
    db.session.commit()
    verdict = "approved" if approve else "denied"
    flash(f"{excusal.resident.name}'s request {verdict}; they have been told.", "success")
    return _see_other("excusals.queue")


@bp.post("/excusals/<int:excusal_id>/revoke")
@permission_required("decide_excusals")
def revoke(excusal_id: int):
    """Withdraw an approved excusal: its sessions count again."""
    excusal = _load(excusal_id)
    form = RevokeExcusalForm()
    if not form.validate_on_submit():
        flash("Say why the excusal is revoked.", "danger")
        return _see_other("excusals.queue")
    excusals.revoke_excusal(excusal, actor=current_user, comment=form.comment.data)
    db.session.commit()
    flash(f"{excusal.resident.name}'s excusal revoked; they have been told.", "success")
    return _see_other("excusals.queue")


@bp.route("/excusals/grant", methods=["GET", "POST"])
@permission_required("decide_excusals")
def grant():
    """A coordinator excuses a resident directly."""
    form = GrantExcusalForm()
    form.resident.choices = choices(
        (u.id, u.name) for u in active_residents() if u.id != current_user.id
    )
    chosen = parse_id(request.args.get("resident", ""))
    if request.method == "GET" and chosen is not None:
        form.resident.data = chosen
    if form.validate_on_submit():
        resident = db.get_or_404(User, form.resident.data)
        try:
            result = excusals.grant_excusal(
                resident,
                actor=current_user,
                reason=form.reason.data,
                note=form.note.data or "",
                comment=form.comment.data or "",
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"{resident.name} is excused. {result.message}", "success")
            return _see_other("excusals.queue")
    return render_template("excusals/grant.html", form=form)
