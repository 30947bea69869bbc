"""The pages for one session: view, add, edit, move, cancel, restore, delete."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from flask_login import current_user

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.policy import permission_required
from conferences.program.services import settle_form_key
from conferences.schedule import deletion, queries, session_changes
from conferences.schedule.blueprint import (
    Saved,
    already_created,
    bp,
    date_arg,
    flash_warnings,
    load_session,
    save_session_form,
    see_other,
)
from conferences.schedule.forms import ActionForm, CancelForm, MoveForm, NewSessionForm, SessionForm
from conferences.schedule.models import TOPICS


@bp.get("/sessions/<public_id>")
@permission_required("view_schedule")
def view_session(public_id: str):
    """One session: time, place, audience, and what other domains add to it."""
    session = load_session(public_id)
    return render_template(
        "schedule/session.html",
        session=session,
        cancel_form=CancelForm(),
        action_form=ActionForm(),
        topics=TOPICS,
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@permission_required("manage_schedule")
def new_session():
    """Add a one-off session (a visiting professor's grand rounds)."""
    form = NewSessionForm()
    form.load_audience_choices()
    if request.method == "GET":
        form.day.data = date_arg("date")
    form.offer_repeated_times(form.day.data)
    if form.validate_on_submit():
        if (repeat := already_created(form, "session")) is not None:
            return repeat
        values = form.common_values()
        values["day"] = form.day.data
        values["repeated_time"] = form.which

        def save() -> Saved:
            session = session_changes.create_session(values, current_user)
            settle_form_key(
                form.form_key.data, url_for("schedule.view_session", public_id=session.public_id)
            )
            return Saved(session, f"Added “{session.title}”.", [session])

        if (done := save_session_form(form, save)) is not None:
            return done
    return render_template("schedule/session_form.html", form=form, session=None)


@bp.route("/sessions/<public_id>/edit", methods=["GET", "POST"])
@permission_required("manage_schedule")
def edit_session(public_id: str):
    """Edit one session, or this one and the following ones of its series."""
    session = load_session(public_id)
    form = SessionForm()
    form.load_audience_choices()
    if request.method == "GET":
        form.fill_common(session)
        form.start_time.data, form.end_time.data = queries.wall_times(session)
    form.offer_repeated_times(timeutil.local_date(session.starts_at))
    if form.validate_on_submit():

        def save() -> Saved:
            changed = session_changes.update_session(
                session,
                {**form.common_values(), "repeated_time": form.which},
                current_user,
                scope=form.scope.data,
            )
            if not changed:
                return Saved(session, "Nothing changed.", category="info")
            return Saved(session, f"Saved changes to {len(changed)} session(s).", changed)

        if (done := save_session_form(form, save)) is not None:
            return done
    return render_template("schedule/session_form.html", form=form, session=session)


@bp.route("/sessions/<public_id>/move", methods=["GET", "POST"])
@permission_required("manage_schedule")
def move_session(public_id: str):
    """Move one session to another day, time or room."""
    session = load_session(public_id)
    form = MoveForm()
    if request.method == "GET":
        form.day.data = timeutil.local_date(session.starts_at)
        form.start_time.data, form.end_time.data = queries.wall_times(session)
        form.room.data = session.room
    form.offer_repeated_times(form.day.data)
    if form.validate_on_submit():
        warnings = session_changes.move_warnings(form.day.data)
        if warnings and not form.go_ahead.data:
            # Say what is odd about the new date before saving; ticking the box goes on.
            form.go_ahead.errors = [*warnings, "Tick the box to move it there anyway."]
            return render_template("schedule/move_session.html", form=form, session=session)

        def save() -> Saved:
            session_changes.move_session(
                session,
                form.day.data,
                form.start_time.data,
                form.end_time.data,
                current_user,
                room=form.room.data or "",
                which=form.which,
            )
            return Saved(
                session, f"Moved to {timeutil.format_local(session.starts_at)}.", [session]
            )

        if (done := save_session_form(form, save)) is not None:
            return done
    return render_template("schedule/move_session.html", form=form, session=session)


@bp.post("/sessions/<public_id>/cancel")
@permission_required("manage_schedule")
def cancel_session(public_id: str):
    """Cancel one session with a reason; it stays visible, struck through."""
    session = load_session(public_id)
    form = CancelForm()
    if not form.validate_on_submit():
        # The page again, the problem summed up at the top, what was typed kept.
        return render_template(
            "schedule/session.html",
            session=session,
            cancel_form=form,
            action_form=ActionForm(),
            topics=TOPICS,
        )
    try:
        session_changes.cancel_session(session, form.reason.data, current_user)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash("The session is cancelled.", "success")
    return see_other("schedule.view_session", public_id=public_id)


@bp.post("/sessions/<public_id>/restore")
@permission_required("manage_schedule")
def restore_session(public_id: str):
    """Undo a cancellation."""
    session = load_session(public_id)
    if ActionForm().validate_on_submit():
        try:
            session_changes.restore_session(session, current_user)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash("The session is back on the schedule.", "success")
            flash_warnings([session])
    return see_other("schedule.view_session", public_id=public_id)


@bp.post("/sessions/<public_id>/delete")
@permission_required("manage_schedule")
def delete_session(public_id: str):
    """Delete a session nothing depends on."""
    session = load_session(public_id)
    if not ActionForm().validate_on_submit():
        return see_other("schedule.view_session", public_id=public_id)
    day = timeutil.local_date(session.starts_at)
    title = session.title
    try:
        deletion.delete_session(session, current_user)
    except DomainError as error:
        flash(error.message, "danger")
        return see_other("schedule.view_session", public_id=public_id)
    db.session.commit()
    flash(f"Deleted “{title}”.", "success")
    return see_other("schedule.calendar", date=day.isoformat())
