"""The pages for one session: view, add, edit (the editor moves it too), cancel, restore,
delete."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from conferences import timeutil
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.people.policy import permission_required
from conferences.program.services import settle_form_key
from conferences.schedule import deletion, session_changes
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
from conferences.schedule.forms import ActionForm, CancelForm, NewSessionForm, SessionForm
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
    """The session editor: every value of one session, its date, times and room too, in
    one form (this one, or it and the following ones of its series). What is odd about
    the change (a holiday, the past, a conflict) is asked before anything is saved."""
    session = load_session(public_id)
    form = SessionForm()
    form.load_audience_choices()
    if request.method == "GET":
        form.fill_session(session)
    else:
        form.follow_start()
    form.offer_repeated_times(form.day.data or timeutil.local_date(session.starts_at))
    if form.validate_on_submit():

        def save() -> Saved:
            changed = session_changes.edit_session(
                session,
                form.editor_values(),
                current_user,
                scope=form.scope.data,
                confirmed=form.confirmation,
            )
            if not changed:
                return Saved(session, "Nothing changed.", category="info")
            if changed == [session]:
                when = timeutil.format_local(session.starts_at, "%a %d %b %Y %H:%M")
                return Saved(session, f"Saved. It is on {when}.", changed)
            return Saved(session, f"Saved changes to {len(changed)} session(s).", changed)

        if (done := save_session_form(form, save)) is not None:
            return done
    return render_template("schedule/session_form.html", form=form, session=session)


@bp.get("/sessions/<public_id>/move")
@permission_required("manage_schedule")
def move_session(public_id: str):
    """The former Move page: a session is moved in its editor now, where old links land."""
    session = load_session(public_id)
    return redirect(url_for("schedule.edit_session", public_id=session.public_id), 301)


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
