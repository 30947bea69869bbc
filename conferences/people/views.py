"""Admin pages: people, firms and tracks, program settings, roster import."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from wtforms.fields.choices import SelectChoice

from conferences import timeutil
from conferences.dbutil import page_number, parse_id
from conferences.errors import DomainError, ImportErrors
from conferences.extensions import db
from conferences.formutil import show_error
from conferences.people import roster, services
from conferences.people.forms import (
    ConfirmForm,
    GroupForm,
    NewUserForm,
    ResetPasswordForm,
    RosterApplyForm,
    RosterUploadForm,
    SettingsForm,
    ThresholdForm,
    TrackYearsForm,
    UserFilterForm,
    UserForm,
)
from conferences.people.models import Role, User
from conferences.people.policy import permission_required
from conferences.program import services as program
from conferences.program.models import YearThreshold

bp = Blueprint("people", __name__, url_prefix="/admin")

PER_PAGE = 50
ROSTER_TOKEN_MAX_AGE = 60 * 60  # seconds between the preview and "Apply"


def _redirect(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), code=303)


# --- people --------------------------------------------------------------------------------


def _group_choices(form, *names: str) -> None:
    for name, options in (("firm_id", services.firms()), ("track_id", services.tracks())):
        if name in names:
            label = "No firm" if name == "firm_id" else "No track"
            current = getattr(form, name).data
            getattr(form, name).choices = [SelectChoice(None, f"— {label} —")] + [
                SelectChoice(g.id, g.name + ("" if g.active else " (retired)"))
                for g in options
                if g.active or g.id == current
            ]


@bp.get("/people")
@permission_required("manage_users")
def list_users():
    """Everyone with an account: search, filter by role, firm, PGY and status."""
    form = UserFilterForm(request.args)
    form.firm_id.choices = [SelectChoice(None, "Any firm")] + [
        SelectChoice(f.id, f.name) for f in services.firms()
    ]
    filters = services.UserFilter(
        q=form.q.data or "",
        role=form.role.data if form.role.data in {r.value for r in Role} else "",
        firm_id=parse_id(str(form.firm_id.data or "")),
        pgy=form.pgy.data if form.pgy.data in (1, 2, 3) else None,
        status=form.status.data if form.status.data in {"active", "inactive", "all"} else "active",
    )
    page = db.paginate(
        services.users_query(filters),
        page=page_number(request.args.get("page")),
        per_page=PER_PAGE,
        max_per_page=PER_PAGE,
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    filtered = any(k in args for k in ("q", "role", "firm_id", "pgy")) or filters.status != "active"
    return render_template(
        "people/list_users.html",
        form=form,
        page=page,
        args=args,
        filtered=filtered,
        academic_year=timeutil.current_academic_year(),
    )


def _user_data(form: UserForm) -> services.UserData:
    return services.UserData(
        email=form.email.data or "",
        name=form.name.data or "",
        roles=services.parse_roles(form.roles.data or []),
        start_year=form.start_year.data,
        track_id=form.track_id.data,
        firm_id=form.firm_id.data,
    )


@bp.route("/people/new", methods=["GET", "POST"])
@permission_required("manage_users")
def create_user():
    """Add one account (several at once: import a roster)."""
    form = NewUserForm()
    _group_choices(form, "firm_id", "track_id")
    if form.validate_on_submit():
        try:
            user = services.create_user(current_user, _user_data(form), form.password.data)
            services.set_graduation(current_user, user, form.graduates_on.data)
        except DomainError as error:
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"{user.name} was added.", "success")
            return _redirect("people.edit_user", user_id=user.id)
    return render_template("people/edit_user.html", form=form, user=None)


def _load_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@permission_required("manage_users")
def edit_user(user_id: int):
    """Change someone's name, e-mail, roles and resident details."""
    user = _load_user(user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.roles.data = sorted(r.value for r in user.roles)
    _group_choices(form, "firm_id", "track_id")
    if form.validate_on_submit():
        try:
            services.update_user(current_user, user, _user_data(form))
            services.set_graduation(current_user, user, form.graduates_on.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"{user.name} was saved.", "success")
            return _redirect("people.edit_user", user_id=user.id)
    return render_template(
        "people/edit_user.html",
        form=form,
        user=user,
        confirm=ConfirmForm(),
        pgy=user.pgy(),
        residency_ends=user.residency_ends if user.is_resident else None,
    )


@bp.post("/people/<int:user_id>/deactivate")
@permission_required("manage_users")
def deactivate_user(user_id: int):
    """Stop someone signing in and take them out of every audience."""
    return _set_active(user_id, active=False)


@bp.post("/people/<int:user_id>/reactivate")
@permission_required("manage_users")
def reactivate_user(user_id: int):
    """Let a deactivated person sign in again."""
    return _set_active(user_id, active=True)


def _set_active(user_id: int, active: bool):
    user = _load_user(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.set_active(current_user, user, active)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        state = "reactivated and can sign in again" if active else "deactivated"
        flash(f"{user.name} was {state}.", "success")
    return _redirect("people.edit_user", user_id=user.id)


@bp.route("/people/<int:user_id>/password", methods=["GET", "POST"])
@permission_required("manage_users")
def reset_password(user_id: int):
    """Set a new password for someone who lost theirs."""
    user = _load_user(user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, user, form.new_password.data)
        except DomainError as error:
            show_error(form, error, default="new_password")
        else:
            db.session.commit()
            flash(f"The password of {user.name} was changed. Tell them in person.", "success")
            return _redirect("people.edit_user", user_id=user.id)
    return render_template("people/reset_password.html", form=form, user=user)


# --- firms and tracks ----------------------------------------------------------------------


def _load_group(kind: str, group_id: int):
    model = services.GROUP_MODELS.get(kind)
    if model is None:
        abort(404)
    return db.get_or_404(model, group_id)


@bp.get("/firms-and-tracks")
@permission_required("manage_settings")
def firms_and_tracks():
    """The firms and tracks residents belong to."""
    return render_template(
        "people/firms_and_tracks.html",
        groups={
            "firm": (services.firms(), services.member_counts(services.GROUP_MODELS["firm"])),
            "track": (services.tracks(), services.member_counts(services.GROUP_MODELS["track"])),
        },
        add_forms={kind: GroupForm(prefix=f"new-{kind}") for kind in services.GROUP_MODELS},
        form=GroupForm(),
        years_form=TrackYearsForm(),
        confirm=ConfirmForm(),
    )


@bp.post("/firms-and-tracks/<kind>/new")
@permission_required("manage_settings")
def add_group(kind: str):
    """Add a firm or a track."""
    if kind not in services.GROUP_MODELS:
        abort(404)
    form = GroupForm(prefix=f"new-{kind}")
    if not form.validate_on_submit():
        flash(f"Give the new {kind} a name.", "danger")
        return _redirect("people.firms_and_tracks")
    try:
        group = services.add_group(current_user, kind, form.name.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"{group.name} was added.", "success")
    return _redirect("people.firms_and_tracks")


@bp.post("/firms-and-tracks/<kind>/<int:group_id>/rename")
@permission_required("manage_settings")
def rename_group(kind: str, group_id: int):
    """Rename a firm or a track."""
    group = _load_group(kind, group_id)
    form = GroupForm()
    if not form.validate_on_submit():
        flash("A name is needed.", "danger")
        return _redirect("people.firms_and_tracks")
    try:
        services.rename_group(current_user, group, form.name.data)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"Renamed to {group.name}.", "success")
    return _redirect("people.firms_and_tracks")


@bp.post("/firms-and-tracks/track/<int:group_id>/years")
@permission_required("manage_settings")
def set_track_years(group_id: int):
    """How many academic years residents on a track stay."""
    track = _load_group("track", group_id)
    form = TrackYearsForm()
    if not form.validate_on_submit():
        flash("A track lasts 1 to 7 years.", "danger")
        return _redirect("people.firms_and_tracks")
    services.set_track_years(current_user, track, form.years.data)
    db.session.commit()
    flash(f"{track.name} lasts {track.years} year(s).", "success")
    return _redirect("people.firms_and_tracks")


@bp.post("/firms-and-tracks/<kind>/<int:group_id>/active")
@permission_required("manage_settings")
def set_group_active(kind: str, group_id: int):
    """Retire a firm or track, or bring it back (``active=1``)."""
    group = _load_group(kind, group_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    services.set_group_active(current_user, group, active)
    db.session.commit()
    flash(f"{group.name} was {'reactivated' if active else 'retired'}.", "success")
    return _redirect("people.firms_and_tracks")


# --- program settings ----------------------------------------------------------------------


def _threshold_years() -> list[int]:
    current = timeutil.current_academic_year()
    return [current - 1, current, current + 1]


@bp.route("/settings", methods=["GET", "POST"])
@permission_required("manage_settings")
def settings():
    """Program name, teaching and check-in rules, attendance thresholds."""
    current = program.get_settings()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        try:
            services.update_settings(current_user, **form.values())
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            db.session.commit()
            flash("Settings saved.", "success")
            return _redirect("people.settings")
    return _settings_page(form, _threshold_form())


def _threshold_form(**kwargs) -> ThresholdForm:
    form = ThresholdForm(**kwargs)
    form.start_year.choices = [
        SelectChoice(y, timeutil.academic_year_label(y)) for y in _threshold_years()
    ]
    if form.start_year.data is None:
        form.start_year.data = timeutil.current_academic_year()
    if form.percent.data is None and not form.is_submitted():
        form.percent.data = program.threshold_for(form.start_year.data)
    return form


def _settings_page(form: SettingsForm, threshold_form: ThresholdForm):
    years = sorted(
        set(_threshold_years()) | set(db.session.scalars(db.select(YearThreshold.start_year)))
    )
    return render_template(
        "people/settings.html",
        form=form,
        threshold_form=threshold_form,
        thresholds=[(y, timeutil.academic_year_label(y), program.threshold_for(y)) for y in years],
        current_year=timeutil.current_academic_year(),
        zone=current_app.config.get("PROGRAM_TIMEZONE", timeutil.DEFAULT_ZONE),
    )


@bp.post("/settings/threshold")
@permission_required("manage_settings")
def set_threshold():
    """The required-attendance threshold of one academic year."""
    form = _threshold_form()
    if form.validate_on_submit():
        try:
            services.set_year_threshold(current_user, form.start_year.data, form.percent.data)
        except DomainError as error:
            db.session.rollback()
            show_error(form, error, default="percent")
        else:
            db.session.commit()
            label = timeutil.academic_year_label(form.start_year.data)
            flash(f"Threshold for {label} set to {form.percent.data} %.", "success")
            return _redirect("people.settings")
    return _settings_page(SettingsForm(obj=program.get_settings()), form), 400


# --- roster import -------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="people.roster-import")


@bp.route("/roster", methods=["GET", "POST"])
@permission_required("manage_users")
def import_roster():
    """Upload a roster CSV and see what it would change (nothing is written yet)."""
    form = RosterUploadForm()
    if form.validate_on_submit():
        try:
            text = roster.decode(form.file.data.read())
            plan = roster.plan_roster(text, current_user)
        except ImportErrors as error:
            return render_template(
                "people/import_roster.html",
                form=form,
                errors=error.errors,
                filename=form.file.data.filename,
            ), 422
        apply_form = RosterApplyForm(token=_serializer().dumps({"csv": text}))
        return render_template(
            "people/import_roster.html",
            form=form,
            plan=plan,
            apply_form=apply_form,
            filename=form.file.data.filename,
        )
    # A rejected upload (no file, too large) is unprocessable, like a broken file.
    status = 422 if request.method == "POST" else 200
    return render_template("people/import_roster.html", form=form), status


@bp.post("/roster/apply")
@permission_required("manage_users")
def apply_roster():
    """Write a previewed roster, after checking it again against today's data."""
    form = RosterApplyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        text = _serializer().loads(form.token.data, max_age=ROSTER_TOKEN_MAX_AGE)["csv"]
    except (BadSignature, KeyError, TypeError):
        flash("That preview expired or was altered. Upload the file again.", "danger")
        return _redirect("people.import_roster")
    try:
        plan = roster.apply_roster(current_user, text)
    except ImportErrors as error:
        db.session.rollback()
        return render_template(
            "people/import_roster.html", form=RosterUploadForm(), errors=error.errors
        ), 422
    db.session.commit()
    flash(
        f"Roster imported: {len(plan.created)} added, {len(plan.updated)} updated, "
        f"{len(plan.unchanged)} unchanged.",
        "success",
    )
    return _redirect("people.list_users")
