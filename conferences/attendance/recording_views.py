"""Pages for recordings: a coordinator adds the link, a resident claims "I watched the
recording", coordinators decide claims; the session page's panel."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from conferences import timeutil
from conferences.attendance import claim_views, marks, recordings
from conferences.attendance.forms import DecideClaimForm
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.formutil import PageForm
from conferences.people.policy import can, permission_required

bp = Blueprint("recordings", __name__)


class RecordingForm(PageForm):
    url = StringField(
        "Recording link",
        validators=[DataRequired(message="Paste the link to the recording."), Length(max=500)],
        render_kw={"placeholder": "https://", "inputmode": "url"},
    )


class RecordingClaimForm(PageForm):
    attestation = TextAreaField(
        "I watched the recording",
        validators=[
            DataRequired(message="Say briefly what you watched (an attestation is required)."),
            Length(max=recordings.MAX_ATTESTATION),
        ],
        render_kw={
            "rows": 2,
            "placeholder": "e.g. I watched the whole talk on sepsis bundles on 12 Nov.",
        },
    )


class DecideRecordingClaimForm(DecideClaimForm):
    """The claim decision form, with the shorter comment a recording claim keeps."""

    comment = StringField("Comment", validators=[Optional(), Length(max=500)])


def _session(public_id: str):
    session = marks.get_session(public_id)
    if session is None:
        abort(404)
    return session


@bp.app_context_processor
def _helpers() -> dict:
    return {"recording_panel": panel_context}


def panel_context(session) -> dict:
    """What ``attendance/_recording_panel.html`` shows to the signed-in person."""
    context: dict = {"session": session, "recording": None}
    if not current_user.is_authenticated:
        return context
    context["recording"] = recordings.recording_of(session)
    context["can_manage"] = can("manage_attendance")
    context["ended"] = timeutil.now_utc() >= session.ends_at
    if context["can_manage"]:
        context["recording_form"] = RecordingForm(
            formdata=None, url=context["recording"].url if context["recording"] else ""
        )
    if current_user.is_resident and context["recording"] is not None:
        context["claim"] = recordings.claim_of(session, current_user)
        context["problem"] = recordings.claim_problem(session, current_user)
        context["claim_form"] = RecordingClaimForm(formdata=None)
        context["deadline"] = recordings.claim_deadline(session)
    return context


@bp.post("/sessions/<public_id>/recording")
@permission_required("manage_attendance")
def set_recording(public_id: str):
    """Add or replace the link to a past session's recording."""
    session = _session(public_id)
    form = RecordingForm()
    if not form.validate_on_submit():
        flash(" ".join(form.url.errors) or "Paste the link to the recording.", "danger")
        return redirect(url_for("schedule.view_session", public_id=public_id), 303)
    try:
        recordings.set_recording(session, form.url.data, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash("Recording link saved.", "success")
    return redirect(url_for("schedule.view_session", public_id=public_id), 303)


@bp.post("/sessions/<public_id>/recording/claim")
@permission_required("check_in")
def claim_recording(public_id: str):
    """ "I watched the recording", with a short attestation."""
    session = _session(public_id)
    form = RecordingClaimForm()
    if not form.validate_on_submit():
        flash(" ".join(form.attestation.errors) or "Write a short attestation.", "danger")
        return redirect(url_for("schedule.view_session", public_id=public_id), 303)
    try:
        claim = recordings.file_claim(session, current_user, form.attestation.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        accepted = claim.status == "approved"
        db.session.commit()
        flash(
            "Recording credit recorded."
            if accepted
            else "Your recording claim was sent to the program coordinators.",
            "success",
        )
    return redirect(url_for("schedule.view_session", public_id=public_id), 303)


claim_views.register(
    bp,
    claim_views.ClaimQueue(
        url="/attendance/recording-claims",
        model=recordings.RecordingClaim,
        pending=recordings.pending_claims,
        decide_claim=recordings.decide_claim,
        form=DecideRecordingClaimForm,
        title="Recording claims",
        heading='"I watched the recording" claims',
        empty="No recording claims are waiting.",
        link_endpoint="schedule.view_session",
        link_label="session",
        flash_noun="Recording claim",
        max_comment=500,
        data_attribute="data-recording-claim",
    ),
)
