"""HTTP handlers for check-in, the projector screen, rosters and "I attended" claims."""

from __future__ import annotations

import secrets
from collections.abc import Collection

import segno
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.routing import BuildError

from conferences import timeutil
from conferences.attendance import checkin as codes
from conferences.attendance import checkins, claim_views, claims, marks, rosters
from conferences.attendance.compression import compressed
from conferences.attendance.forms import (
    CheckinForm,
    ClaimForm,
    ClearFlagForm,
    ConfirmCheckinForm,
    DecideClaimForm,
    MarkForm,
)
from conferences.attendance.models import AttendanceClaim
from conferences.auth import throttle
from conferences.config import public_url
from conferences.dbutil import parse_id, real_ids
from conferences.errors import DomainError
from conferences.extensions import db
from conferences.metrics import CHECKINS
from conferences.people.models import User
from conferences.people.policy import authorize, can, permission_required

bp = Blueprint("attendance", __name__)

DEVICE_COOKIE = "checkin_device"
DEVICE_COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
# Kept on the request (not ``g``, which can outlive one request inside an app context).
_NEW_DEVICE_KEY = "conferences.new_checkin_device"


# ----------------------------------------------------------------------------- helpers


def _load_session(public_id: str):
    session = marks.get_session(public_id)
    if session is None:
        abort(404)
    return session


def _device_id() -> str:
    """This browser's long-lived random id (set on the response if new)."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    if len(value) < 16 or len(value) > 64 or not value.replace("-", "").replace("_", "").isalnum():
        value = request.environ.get(_NEW_DEVICE_KEY) or secrets.token_urlsafe(24)
        request.environ[_NEW_DEVICE_KEY] = value
    return value


@bp.after_request
def _set_device_cookie(response):
    value = request.environ.get(_NEW_DEVICE_KEY)
    if value:
        response.set_cookie(
            DEVICE_COOKIE,
            value,
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def session_page_url(session) -> str:
    """The session's own page once the schedule has one; the claim page until then."""
    try:
        return url_for("schedule.view_session", public_id=session.public_id)
    except BuildError:
        return url_for("attendance.file_claim", public_id=session.public_id)


def _already_message(result: checkins.CheckinResult) -> str:
    if result.is_request:
        when = timeutil.format_local(result.requested_at, "%H:%M")
        label = marks.MARK_LABELS.get(result.mark, result.mark).lower()
        return (
            f"A coordinator marked you {label} for {result.session.title}, so your check-in "
            f"at {when} was passed on to them to decide."
        )
    if result.checked_in_at is not None and result.source == "checkin":
        return f"Already checked in at {timeutil.format_local(result.checked_in_at, '%H:%M')}."
    label = marks.MARK_LABELS.get(result.mark, result.mark).lower()
    return f"Already marked {label} for this session."


def _outcome(result: checkins.CheckinResult) -> tuple[str, str, str]:
    """Message, category and next page, computed before the commit expires the session."""
    if result.is_request:
        text, category = _already_message(result), "warning"
    elif result.created:
        when = timeutil.format_local(result.checked_in_at, "%H:%M")
        text = f"You are checked in to {result.session.title} at {when}"
        text += " by video" if result.is_remote else ""
        text += " (late)" if result.is_late else ""
        text += " as a visitor." if result.visitor else "."
        category = "success"
    else:
        text, category = _already_message(result), "info"
    return text, category, url_for("attendance.checked_in", public_id=result.session.public_id)


def _commit_and_confirm(result: checkins.CheckinResult):
    text, category, url = _outcome(result)
    db.session.commit()
    CHECKINS.labels("recorded" if result.created else "repeated").inc()
    flash(text, category)
    return redirect(url, 303)


@bp.app_context_processor
def _panel_helpers() -> dict:
    return {"attendance_panel": panel_context, "attendance_session_url": session_page_url}


def panel_context(session) -> dict:
    """What ``attendance/_session_panel.html`` shows for ``session`` to the signed-in person."""
    context: dict = {"session": session, "mine": None, "claim": None, "claim_problem": None}
    if not current_user.is_authenticated:
        return context
    context["can_run"] = can("run_checkin", session)
    context["can_manage"] = can("manage_attendance")
    if current_user.is_resident:
        context["mine"] = marks.mark_of(session, current_user)
        context["claim"] = claims.claim_of(session, current_user)
        context["claim_problem"] = claims.claim_problem(session, current_user)
        context["claim_form"] = ClaimForm()
        win = context["window"] = marks.window(session)
        now = timeutil.now_utc()
        context["started"] = now >= session.starts_at
        context["checkin_soon"] = (
            timeutil.local_date(now) == timeutil.local_date(session.starts_at)
            and now <= win.closes_at
        )
    return context


# ----------------------------------------------------------------------------- residents


# Typed or scanned codes: a few dozen wrong tries a minute per account at most.
CODE_TRIES = "checkin-code"
TOO_MANY_CODES = "Too many wrong codes in a short time. Wait a minute and try again."


@bp.route("/checkin", methods=["GET", "POST"])
@permission_required("check_in")
def checkin():
    """Type the code from the screen; it finds the session open for check-in now."""
    return _typed_checkin(remote=False)


@bp.route("/checkin/remote", methods=["GET", "POST"])
@permission_required("check_in")
def checkin_remote():
    """Joining by video: the same rotating code, shared on screen, recorded as remote."""
    return _typed_checkin(remote=True)


def _typed_checkin(*, remote: bool):
    form = CheckinForm()
    page = "attendance/checkin.html"
    _device_id()
    status = 200
    if form.validate_on_submit():
        if not throttle.tries_left(CODE_TRIES, current_user.id):
            form.code.errors.append(TOO_MANY_CODES)
            return render_template(page, form=form, remote=remote), 429
        try:
            result = checkins.check_in_with_code(
                current_user, form.code.data, device_id=_device_id(), remote=remote
            )
        except DomainError as error:
            db.session.rollback()
            throttle.wrong_try(CODE_TRIES, current_user.id)
            form.code.errors.append(error.message)
            status = 400
        else:
            return _commit_and_confirm(result)
    elif form.is_submitted():
        status = 400
    return render_template(page, form=form, remote=remote), status


@bp.route("/sessions/<public_id>/checkin", methods=["GET", "POST"])
@permission_required("check_in")
def confirm_checkin(public_id: str):
    """The page a scanned QR code opens: one big button that records the check-in."""
    session = _load_session(public_id)
    form = ConfirmCheckinForm()
    _device_id()
    if request.method == "GET":
        form.code.data = request.args.get("c", "")
    error = None
    status = 200
    if form.validate_on_submit():
        if not throttle.tries_left(CODE_TRIES, current_user.id):
            error, status = TOO_MANY_CODES, 429
        else:
            try:
                result = checkins.check_in(
                    session, current_user, form.code.data, device_id=_device_id()
                )
            except DomainError as problem:
                db.session.rollback()
                throttle.wrong_try(CODE_TRIES, current_user.id)
                error, status = problem.message, 400
            else:
                return _commit_and_confirm(result)
    elif form.is_submitted():
        error, status = "The check-in form was incomplete. Scan the code again.", 400
    existing = marks.mark_of(session, current_user)
    if error is None and (existing is None or existing.mark not in marks.ATTENDED_MARKS):
        try:
            checkins.validate_code_for_session(session, form.code.data or "")
        except DomainError as problem:
            error = problem.message
    closed = not session.is_cancelled and timeutil.now_utc() > marks.window(session).closes_at
    return render_template(
        "attendance/confirm.html",
        session=session,
        form=form,
        error=error,
        claim_url=session_page_url(session) if closed else None,
        existing=existing,
        already=_already_message(
            checkins.CheckinResult(
                session, existing.mark, existing.checked_in_at, False, source=existing.source
            )
        )
        if existing is not None and existing.mark in marks.ATTENDED_MARKS
        else None,
    ), status


@bp.get("/sessions/<public_id>/checkin/done")
@permission_required("check_in")
def checked_in(public_id: str):
    """The confirmation a resident sees after checking in."""
    session = _load_session(public_id)
    mark = marks.mark_of(session, current_user)
    return render_template(
        "attendance/checked_in.html",
        session=session,
        mark=mark,
        session_url=session_page_url(session),
    )


@bp.route("/sessions/<public_id>/claim", methods=["GET", "POST"])
@permission_required("check_in")
def file_claim(public_id: str):
    """ "I attended but could not check in": a note for a coordinator to decide."""
    session = _load_session(public_id)
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            claims.file_claim(session, current_user, form.note.data)
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash("Your claim was sent to the program coordinators.", "success")
            return redirect(url_for("attendance.file_claim", public_id=public_id), 303)
    return render_template(
        "attendance/claim.html",
        session=session,
        form=form,
        claim=claims.claim_of(session, current_user),
        problem=claims.claim_problem(session, current_user),
        mine=marks.mark_of(session, current_user),
    )


# ----------------------------------------------------------------------------- projector


def _display_context(session) -> dict:
    """What the projector shows. Outside the window (and on a cancelled session) there is
    no code at all: a code seen before check-in opens must not be on the screen."""
    now = timeutil.now_utc()
    win = marks.window(session)
    if session.is_cancelled:
        state = "cancelled"
    elif now < win.opens_at:
        state = "not_open"
    elif now > win.closes_at:
        state = "closed"
    elif win.is_late(now):
        state = "late"
    else:
        state = "open"
    code = qr_svg = None
    if state in ("open", "late"):
        code = codes.current_code(session.checkin_secret, now)
        # Phones scan this, so it names the public address, not the one the projector used.
        confirm_url = public_url(
            url_for("attendance.confirm_checkin", public_id=session.public_id, c=code)
        )
        qr_svg = segno.make(confirm_url, error="m").svg_inline(
            scale=1, border=2, omitsize=True, svgclass="checkin-qr", title="Check-in QR code"
        )
    return {
        "session": session,
        "code": code,
        "qr_svg": qr_svg,
        "count": marks.live_count(session),
        "seconds_left": codes.seconds_to_next_code(now),
        "window": win,
        "state": state,
        "checkin_url": public_url(url_for("attendance.checkin")),
    }


@bp.get("/sessions/<public_id>/checkin/display")
@login_required
def checkin_display(public_id: str):
    """The projector screen: QR code, typed code, live count, countdown."""
    session = _load_session(public_id)
    authorize("run_checkin", session)
    return render_template("attendance/display.html", **_display_context(session))


@bp.get("/sessions/<public_id>/checkin/display/live")
@login_required
def display_live(public_id: str):
    """The part of the projector screen that htmx refreshes every few seconds."""
    session = _load_session(public_id)
    authorize("run_checkin", session)
    response = current_app.make_response(
        render_template("attendance/_display_live.html", **_display_context(session))
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# ----------------------------------------------------------------------------- roster


@bp.get("/sessions/<public_id>/roster")
@login_required
def roster(public_id: str):
    """Who is expected, who came, who was late; manual marks and the audit trail."""
    session = _load_session(public_id)
    authorize("run_checkin", session)
    return _roster_page(session, MarkForm())


def _roster_page(session, form: MarkForm, selected: Collection[int] = (), status_code: int = 200):
    """The roster with ``form`` as typed: a refused mark comes back with its reason,
    choice and ticked residents, not an empty form."""
    data = rosters.roster(session)
    status = request.args.get("status", "")
    if status not in (*rosters.STATUSES, "flagged", "requests"):
        status = ""
    search = request.args.get("q", "").strip()[:100]
    rows = data.filtered(status, search)
    listed = {row.resident.id for row in data.rows}
    walk_ins = (
        [r for r in rosters.search_residents(search) if r.id not in listed]
        if search and can("manage_attendance")
        else []
    )
    return compressed(
        render_template(
            "attendance/roster.html",
            session=session,
            roster=data,
            rows=rows,
            walk_ins=walk_ins,
            status=status,
            search=search,
            form=form,
            selected=set(selected),
            flag_form=ClearFlagForm(),
            history=rosters.session_history(session),
            window=marks.window(session),
            statuses=rosters.STATUSES,
            session_url=session_page_url(session),
            session_on=timeutil.local_date(session.starts_at),
        ),
        status_code,
    )


def _parse_single(value: str) -> tuple[int, str] | None:
    resident, _, mark = (value or "").partition(":")
    resident_id = parse_id(resident)
    if resident_id is None or mark not in marks.MARK_LABELS:
        return None
    return resident_id, mark


@bp.post("/sessions/<public_id>/roster/marks")
@permission_required("manage_attendance")
def mark_attendance(public_id: str):
    """Mark one resident (row button) or every ticked resident, with an optional reason."""
    session = _load_session(public_id)
    form = MarkForm()
    back = url_for(
        "attendance.roster",
        public_id=public_id,
        status=request.args.get("status") or None,
        q=request.args.get("q") or None,
    )
    ticked = real_ids(form.resident_ids.data or [])

    def refused(message: str):
        db.session.rollback()
        flash("The marks were not saved: " + message, "danger")
        return _roster_page(session, form, ticked, 422)

    if not form.validate_on_submit():
        return refused(_form_errors(form))
    single = _parse_single(request.form.get("single", ""))
    if request.form.get("single") and single is None:
        abort(400)
    ids, mark = ([single[0]], single[1]) if single else (ticked, form.mark.data)
    try:
        changed = marks.set_marks(
            session, ids or [], mark or "", actor=current_user, reason=form.reason.data or ""
        )
    except DomainError as error:
        return refused(error.message)
    db.session.commit()
    label = marks.MARK_LABELS[mark].lower()
    if changed:
        flash(f"Marked {changed} resident{'s' if changed != 1 else ''} {label}.", "success")
    else:
        flash(f"Nothing changed: already marked {label}.", "info")
    return redirect(back, 303)


@bp.post("/sessions/<public_id>/roster/flags/<int:resident_id>")
@permission_required("manage_attendance")
def clear_flag(public_id: str, resident_id: int):
    """Accept a flagged check-in after review."""
    session = _load_session(public_id)
    form = ClearFlagForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        marks.clear_flag(session, resident_id, actor=current_user, reason=form.reason.data or "")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash("Flag cleared.", "success")
    return redirect(url_for("attendance.roster", public_id=public_id, status="flagged"), 303)


@bp.post("/sessions/<public_id>/roster/requests/<int:resident_id>")
@permission_required("manage_attendance")
def decide_checkin_request(public_id: str, resident_id: int):
    """Accept or dismiss a check-in that came after the resident was marked by hand."""
    session = _load_session(public_id)
    form = ClearFlagForm()
    decision = request.form.get("decision", "")
    if not form.validate_on_submit() or decision not in ("accept", "dismiss"):
        abort(400)
    try:
        checkins.decide_checkin_request(
            session, resident_id, accept=decision == "accept", actor=current_user
        )
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash("Check-in accepted." if decision == "accept" else "Check-in dismissed.", "success")
    return redirect(url_for("attendance.roster", public_id=public_id, status="requests"), 303)


def _form_errors(form) -> str:
    return "; ".join(
        f"{form[name].label.text if name in form else name}: {' '.join(errs)}"
        for name, errs in form.errors.items()
    )


# ----------------------------------------------------------------------------- claims


claim_views.register(
    bp,
    claim_views.ClaimQueue(
        url="/attendance/claims",
        model=AttendanceClaim,
        pending=claims.pending_claims,
        decide_claim=claims.decide_claim,
        form=DecideClaimForm,
        title="Attendance claims",
        heading='"I attended" claims',
        empty="No claims are waiting. Residents file them from a session's page when they "
        "could not check in.",
        link_endpoint="attendance.roster",
        link_label="roster",
        flash_noun="Claim",
        max_comment=1000,
        show_room=True,
    ),
)


# ----------------------------------------------------------------------------- history


@bp.get("/attendance/residents/<int:user_id>")
@login_required
def resident_history(user_id: int):
    """Every change to one resident's attendance marks, newest first."""
    resident = db.get_or_404(User, user_id)
    authorize("view_attendance_of", resident)
    return render_template(
        "attendance/resident_history.html",
        resident=resident,
        history=rosters.resident_history(resident.id),
        claims=claims.claims_of_resident(resident.id),
    )
