"""HTTP handlers for the teaching domain: open slots, sign-up, release, the record, feedback.

Each handler loads its objects, checks access, calls a service, commits once and
redirects (303 after a POST). A refused action renders a page with the reason and the
status code of the rule it broke (403 not allowed, 409 taken or too late).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from conferences import timeutil
from conferences.dbutil import parse_id
from conferences.errors import DomainError, NotAllowed
from conferences.extensions import db
from conferences.formutil import choices
from conferences.people.models import User
from conferences.people.policy import authorize, permission_required
from conferences.program.services import claim_form_key, settle_form_key
from conferences.schedule.models import Series, Session
from conferences.teaching import (
    eligibility,
    feedback,
    forms,
    handover,
    panel,
    people_search,
    queries,
    receivers,  # noqa: F401  (imported at start-up: connects teaching's schedule-signal receivers)
    record,
    slots,
)
from conferences.teaching.models import TeachingSlot

bp = Blueprint("teaching", __name__, url_prefix="/teaching")

# The open-slots page lists this many, soonest first; filters narrow the rest.
OPEN_SLOTS_SHOWN = 100


# ---------------------------------------------------------------------------
# Loading and small helpers


def _slot(slot_id: int) -> TeachingSlot:
    return db.get_or_404(TeachingSlot, slot_id)


def _session(public_id: str) -> Session:
    session = db.session.scalar(select(Session).where(Session.public_id == public_id))
    if session is None:
        abort(404)
    return session


def _safe_next(default: str) -> str:
    target = request.form.get("next") or request.args.get("next") or ""
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return target
    return default


def _refuse(error: DomainError, back: str | None = None):
    """A page saying why the action was refused, with the rule's status code."""
    db.session.rollback()
    return (
        render_template(
            "teaching/refused.html",
            message=error.message,
            back=back or _safe_next(url_for("teaching.open_slots")),
        ),
        error.status_code,
    )


def _done(message: str, default: str):
    db.session.commit()
    flash(message, "success")
    return redirect(_safe_next(default), code=303)


@bp.app_template_global()
def session_link(session: Session) -> str:
    """The session's page (the schedule's, or the slot page until that exists)."""
    try:
        return url_for("schedule.view_session", public_id=session.public_id)
    except BuildError:
        return url_for("teaching.manage_slots", public_id=session.public_id)


@bp.app_template_global()
def session_slots(session: Session) -> panel.SessionPanel:
    """What the session page's teaching panel shows to the signed-in person."""
    return panel.session_panel(session, current_user if current_user.is_authenticated else None)


@bp.app_template_global()
def teaching_home(user) -> dict:
    """A faculty member's home: next teaching and how many slots are open to them."""
    return {
        "next": queries.next_teaching(user, limit=3),
        "open_count": queries.open_slot_count(user),
    }


# ---------------------------------------------------------------------------
# Open slots and claiming


@bp.get("/open")
@permission_required("teach")
def open_slots():
    """Slots the signed-in person may take, filterable, with one-click sign-up."""
    series = list(db.session.scalars(select(Series).order_by(Series.title)))
    form = forms.OpenSlotsFilterForm(request.args, series=series)
    filters = queries.SlotFilters()
    if form.validate():
        filters = queries.SlotFilters(
            start_on=form.start_on.data,
            end_on=form.end_on.data,
            kind=form.kind.data or "",
            series_id=parse_id(form.series_id.data or ""),
            role=form.role.data or "",
        )
    found = queries.open_slots(current_user, filters)
    return render_template(
        "teaching/open_slots.html",
        form=form,
        slots=found[:OPEN_SLOTS_SHOWN],
        total=len(found),
        filtered=any(
            request.args.get(k) for k in ("start_on", "end_on", "kind", "series_id", "role")
        ),
        cutoff=handover.release_cutoff,
        now=timeutil.now_utc(),
    )


@bp.post("/slots/<int:slot_id>/claim")
@permission_required("teach")
def claim_slot(slot_id: int):
    """Take an open slot (or one offered for swap) in one click."""
    slot = _slot(slot_id)
    try:
        handover.claim_slot(slot, current_user)
    except DomainError as error:
        return _refuse(error)
    return _done(
        f"You are {slot.role_label.lower()} for {slot.session.title} on "
        f"{timeutil.format_local(slot.session.starts_at)}. Add your talk title when ready.",
        url_for("teaching.my_teaching"),
    )


@bp.post("/slots/<int:slot_id>/release")
@permission_required("teach")
def release_slot(slot_id: int):
    """Give a slot back, until the release cut-off."""
    slot = _slot(slot_id)
    try:
        handover.release_slot(slot, current_user)
    except DomainError as error:
        return _refuse(error, url_for("teaching.my_teaching"))
    return _done(f"You released the slot on {slot.session.title}.", url_for("teaching.my_teaching"))


@bp.route("/slots/<int:slot_id>/request-release", methods=["GET", "POST"])
@permission_required("teach")
def request_release(slot_id: int):
    """After the cut-off: ask the coordinator to release you."""
    slot = _slot(slot_id)
    if slot.holder_id != current_user.id:
        raise NotAllowed(
            "Only the person holding this slot can ask to be released from it. "
            "If it should be released, ask a program coordinator."
        )
    form = forms.ReleaseRequestForm()
    if form.validate_on_submit():
        try:
            handover.request_release(slot, current_user, form.note.data or "")
        except DomainError as error:
            return _refuse(error, url_for("teaching.my_teaching"))
        return _done(
            "Your request went to the coordinators. You keep the slot until they act on it.",
            url_for("teaching.my_teaching"),
        )
    return render_template(
        "teaching/request_release.html", form=form, slot=slot, cutoff=handover.release_cutoff
    )


@bp.post("/slots/<int:slot_id>/offer-swap")
@permission_required("teach")
def offer_swap(slot_id: int):
    """Show the slot as open to others; you keep it until someone takes it."""
    slot = _slot(slot_id)
    try:
        handover.offer_swap(slot, current_user)
    except DomainError as error:
        return _refuse(error, url_for("teaching.my_teaching"))
    return _done(
        "Your slot is offered for swap. You keep it until someone takes it.",
        url_for("teaching.my_teaching"),
    )


@bp.post("/slots/<int:slot_id>/withdraw-swap")
@permission_required("teach")
def withdraw_swap(slot_id: int):
    """Stop offering a slot for swap."""
    slot = _slot(slot_id)
    try:
        handover.withdraw_swap(slot, current_user)
    except DomainError as error:
        return _refuse(error, url_for("teaching.my_teaching"))
    return _done("Swap offer withdrawn; the slot stays yours.", url_for("teaching.my_teaching"))


@bp.route("/slots/<int:slot_id>/talk", methods=["GET", "POST"])
@permission_required("teach")
def edit_talk(slot_id: int):
    """The holder (or a coordinator) edits talk title, abstract and materials link."""
    slot = _slot(slot_id)
    authorize("edit_talk", slot)
    form = forms.TalkForm(obj=slot)
    if form.validate_on_submit():
        try:
            handover.edit_talk(
                slot,
                current_user,
                title=form.talk_title.data or "",
                abstract=form.abstract.data or "",
                materials_url=form.materials_url.data or "",
            )
        except DomainError as error:
            db.session.rollback()
            if error.field and hasattr(form, error.field):
                getattr(form, error.field).errors.append(error.message)
            else:
                return _refuse(error, session_link(slot.session))
        else:
            return _done("Talk details saved.", session_link(slot.session))
    return render_template("teaching/edit_talk.html", form=form, slot=slot)


# ---------------------------------------------------------------------------
# Coordinator: needs a teacher, assign, series and session slots


@bp.get("/needs-teacher")
@permission_required("manage_teaching")
def needs_teacher():
    """Open slots in the next N weeks, soonest first, and pending release requests."""
    form = forms.NeedsTeacherForm(request.args)
    weeks = form.weeks.data if form.validate() and form.weeks.data else 4
    return render_template(
        "teaching/needs_teacher.html",
        form=form,
        weeks=weeks,
        slots=queries.needs_teacher(weeks),
        requests=queries.pending_release_requests(),
        cutoff=handover.release_cutoff,
        now=timeutil.now_utc(),
    )


@bp.route("/slots/<int:slot_id>/assign", methods=["GET", "POST"])
@permission_required("manage_teaching")
def assign_slot(slot_id: int):
    """Put anyone eligible in a slot (replacing the holder, who is told)."""
    slot = _slot(slot_id)
    form = forms.AssignForm()
    people = eligibility.eligible_users(slot)
    form.user_id.choices = choices(
        [(0, "— choose a person —"), *((p.id, f"{p.name} ({p.email})") for p in people)]
    )
    if form.validate_on_submit():
        person = db.session.get(User, form.user_id.data)
        if person is None:
            abort(404)
        try:
            handover.assign_slot(slot, person, current_user)
        except DomainError as error:
            return _refuse(error, url_for("teaching.needs_teacher"))
        return _done(
            f"{person.name} is now {slot.role_label.lower()} for {slot.session.title}.",
            url_for("teaching.needs_teacher"),
        )
    return render_template("teaching/assign.html", form=form, slot=slot, people=people)


@bp.get("/slots/<int:slot_id>/people")
@permission_required("manage_teaching")
def search_people(slot_id: int):
    """People who may hold the slot whose name or e-mail contains ``q`` (the picker's JSON)."""
    slot = _slot(slot_id)
    found = people_search.search_eligible(slot, request.args.get("q", ""))
    return jsonify(
        [
            {"id": p.id, "name": p.name, "email": p.email, "label": f"{p.name} ({p.email})"}
            for p in found
        ]
    )


@bp.post("/slots/<int:slot_id>/unassign")
@permission_required("manage_teaching")
def unassign_slot(slot_id: int):
    """Empty a slot (also how a coordinator grants a release request)."""
    slot = _slot(slot_id)
    name = slot.holder.name if slot.holder else ""
    try:
        handover.unassign_slot(slot, current_user)
    except DomainError as error:
        return _refuse(error, url_for("teaching.needs_teacher"))
    return _done(f"{name} no longer holds the slot; it is open.", url_for("teaching.needs_teacher"))


@bp.post("/slots/<int:slot_id>/dismiss-request")
@permission_required("manage_teaching")
def dismiss_release_request(slot_id: int):
    """Decline a release request; the holder keeps the slot."""
    slot = _slot(slot_id)
    try:
        handover.dismiss_release_request(slot, current_user)
    except DomainError as error:
        return _refuse(error, url_for("teaching.needs_teacher"))
    return _done("Release request declined.", url_for("teaching.needs_teacher"))


@bp.get("/series/<int:series_id>")
@permission_required("manage_teaching")
def series_slots(series_id: int):
    """Per series: each upcoming session's slots, open or held by whom."""
    series = db.get_or_404(Series, series_id)
    show_all = request.args.get("all") == "1"
    rows = queries.series_sessions_with_slots(series, upcoming_only=not show_all)
    open_count = sum(1 for _s, held in rows for slot in held if slot.is_open)
    return render_template(
        "teaching/series_slots.html",
        series=series,
        rows=rows,
        template=slots.slot_template(series),
        show_all=show_all,
        open_count=open_count,
        apply_form=forms.ApplyTemplateForm(),
        labels=eligibility.ELIGIBILITY_LABELS,
    )


@bp.get("/series")
@permission_required("manage_teaching")
def list_series():
    """Every series with its slot template, to pick one to manage."""
    series = list(db.session.scalars(select(Series).order_by(Series.title)))
    templates = {s.id: slots.slot_template(s) for s in series}
    return render_template("teaching/list_series.html", series=series, templates=templates)


@bp.route("/series/<int:series_id>/template", methods=["GET", "POST"])
@permission_required("manage_teaching")
def edit_slot_template(series_id: int):
    """Edit the slots every session of a series gets."""
    series = db.get_or_404(Series, series_id)
    if request.method == "POST":
        form = forms.SlotTemplateForm()
    else:
        current = [
            {"role": t.role, "eligibility": t.eligibility} for t in slots.slot_template(series)
        ]
        blanks = [{"role": "", "eligibility": "faculty"}] * 3
        form = forms.SlotTemplateForm(data={"rows": current + blanks})
    if form.validate_on_submit():
        rows = [
            slots.TemplateRow(entry.form.role.data, entry.form.eligibility.data or "faculty")
            for entry in form.rows
            if entry.form.role.data
        ]
        try:
            slots.set_slot_template(series, rows, current_user)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
        else:
            return _done(
                "Template saved. Apply it to upcoming sessions to add the new slots.",
                url_for("teaching.series_slots", series_id=series.id),
            )
    return render_template("teaching/edit_slot_template.html", form=form, series=series)


@bp.post("/series/<int:series_id>/apply-template")
@permission_required("manage_teaching")
def apply_template(series_id: int):
    """Add the template's slots to every upcoming session of the series."""
    series = db.get_or_404(Series, series_id)
    form = forms.ApplyTemplateForm()
    if not form.validate_on_submit():
        abort(400)
    changed = slots.apply_template(series, prune=form.prune.data)
    return _done(
        f"Template applied: {changed} upcoming session(s) changed.",
        url_for("teaching.series_slots", series_id=series.id),
    )


@bp.get("/sessions/<public_id>")
@permission_required("manage_teaching")
def manage_slots(public_id: str):
    """One session's slots, with forms to add and remove them."""
    session = _session(public_id)
    return render_template("teaching/manage_slots.html", session=session, form=forms.AddSlotForm())


@bp.post("/sessions/<public_id>/slots")
@permission_required("manage_teaching")
def add_slot(public_id: str):
    """Add one slot to one session."""
    session = _session(public_id)
    form = forms.AddSlotForm()
    if not form.validate_on_submit():
        return _refuse(DomainError("Choose a role and who may fill it."))
    back = url_for("teaching.manage_slots", public_id=public_id)
    if claim_form_key(form.form_key.data, "slot") is not None:
        db.session.rollback()
        flash("This slot was already added.", "info")
        return redirect(back, code=303)
    try:
        slot = slots.add_slot(session, form.role.data, form.eligibility.data, current_user)
    except DomainError as error:
        return _refuse(error, back)
    settle_form_key(form.form_key.data, back)
    return _done(
        f"{slot.role_label} slot added.", url_for("teaching.manage_slots", public_id=public_id)
    )


@bp.post("/slots/<int:slot_id>/remove")
@permission_required("manage_teaching")
def remove_slot(slot_id: int):
    """Remove a slot from its session (a holder is told)."""
    slot = _slot(slot_id)
    session = slot.session
    try:
        slots.remove_slot(slot, current_user)
    except DomainError as error:
        return _refuse(error)
    return _done("Slot removed.", url_for("teaching.manage_slots", public_id=session.public_id))


@bp.get("/faculty")
@permission_required("manage_teaching")
def faculty():
    """Who teaches what: every faculty member with their upcoming and past counts."""
    people, counts = record.faculty_teaching_counts()
    return render_template("teaching/faculty.html", people=people, counts=counts)


# ---------------------------------------------------------------------------
# Teaching record


def _record_page(person: User):
    person_record = record.teaching_record(person)
    stats = feedback.feedback_stats(s.session_id for s in person_record.past)
    viewer_is_coordinator = current_user.is_coordinator
    shown = {
        sid: value
        for sid, value in stats.items()
        if viewer_is_coordinator or value[0] >= feedback.FEEDBACK_ANONYMITY_THRESHOLD
    }
    return render_template(
        "teaching/record.html",
        record=person_record,
        feedback=shown,
        feedback_counts={sid: v[0] for sid, v in stats.items()},
        threshold=feedback.FEEDBACK_ANONYMITY_THRESHOLD,
        own=person.id == current_user.id,
        cutoff=handover.release_cutoff,
        now=timeutil.now_utc(),
    )


@bp.get("/mine")
@permission_required("teach")
def my_teaching():
    """What I teach and taught, with totals by academic year and kind."""
    return _record_page(current_user)


@bp.get("/people/<int:user_id>/record")
@permission_required("teach")
def teaching_record(user_id: int):
    """A person's teaching record (coordinators: anyone; others: themselves)."""
    person = db.get_or_404(User, user_id)
    authorize("view_teaching_record", person)
    return _record_page(person)


@bp.get("/mine.csv", defaults={"user_id": None})
@bp.get("/people/<int:user_id>/record.csv")
@permission_required("teach")
def export_record(user_id: int | None):
    """The teaching record as CSV (for promotion dossiers)."""
    person = current_user if user_id is None else db.get_or_404(User, user_id)
    authorize("view_teaching_record", person)
    person_record = record.teaching_record(person)
    slug = "".join(c if c.isalnum() else "-" for c in person.name.lower()).strip("-")
    return Response(
        record.record_csv(person_record),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="teaching-record-{slug or person.id}.csv"'
        },
    )


# ---------------------------------------------------------------------------
# Feedback


@bp.route("/sessions/<public_id>/feedback", methods=["GET", "POST"])
@permission_required("give_feedback")
def give_feedback(public_id: str):
    """Rate a session you attended (1–5) with an optional comment."""
    session = _session(public_id)
    form = forms.FeedbackForm()
    # Refuse before looking at the form: someone who may not rate learns why, not a form error.
    reason = feedback.feedback_refusal(current_user, session)
    already = reason is not None and feedback.has_given_feedback(current_user, session)
    if already and request.method == "GET":
        # Opening the link again (from a reminder, the back button) is not an error.
        flash(reason, "info")
        return redirect(session_link(session), code=303)
    if reason is not None:
        return (
            render_template(
                "teaching/refused.html",
                message=reason,
                back=url_for("teaching.feedback_due"),
            ),
            409 if already else 403,
        )
    if form.validate_on_submit():
        try:
            feedback.give_feedback(session, current_user, form.rating.data, form.comment.data or "")
        except DomainError as error:
            return _refuse(error, url_for("teaching.feedback_due"))
        return _done("Thank you for your feedback.", url_for("teaching.feedback_due"))
    status = 400 if request.method == "POST" else 200
    return render_template("teaching/give_feedback.html", form=form, session=session), status


@bp.get("/feedback")
@permission_required("give_feedback")
def feedback_due():
    """Sessions you attended recently and have not rated yet."""
    return render_template(
        "teaching/feedback_due.html", sessions=feedback.sessions_to_rate(current_user)
    )
