"""HTTP handlers for the schedule: calendar, sessions, series, holidays, import."""

from __future__ import annotations

import calendar as calendar_module
from collections import defaultdict
from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from conferences import timeutil
from conferences.auth.policy import permission_required
from conferences.dbutil import parse_id
from conferences.errors import DomainError, ImportErrors, NotAllowed, TimeChoiceNeeded
from conferences.extensions import db
from conferences.formutil import choices, show_error
from conferences.program.services import claim_form_key, settle_form_key
from conferences.schedule import holidays as holiday_service
from conferences.schedule import importer, services
from conferences.schedule.audience import Audience, facts_for, in_audience
from conferences.schedule.forms import (
    ActionForm,
    ApplyImportForm,
    CancelForm,
    HolidayForm,
    ImportForm,
    MoveForm,
    NewSessionForm,
    PrefillForm,
    SeriesForm,
    SessionForm,
)
from conferences.schedule.models import KIND_LABELS, TOPICS, Holiday, Kind, Series
from conferences.schedule.recurrence import Rule

bp = Blueprint("schedule", __name__)

VIEWS = ("week", "month", "list")
LIST_DAYS = 28
MAX_LIST_DAYS = 366


@bp.app_template_filter("audience_words")
def audience_words(audience) -> str:
    return services.describe_audience(audience)


@bp.app_template_filter("rule_words")
def rule_words(series: Series) -> str:
    return Rule.from_series(series).describe()


# ---------------------------------------------------------------- helpers


def _load_session(public_id: str):
    session = services.get_session_by_public_id(public_id)
    if session is None:
        abort(404)
    return session


def _load_series(slug: str) -> Series:
    series = services.series_by_slug(slug)
    if series is None:
        abort(404)
    return series


def _date_arg(name: str, default: date | None = None) -> date | None:
    value = request.args.get(name, "")
    try:
        day = date.fromisoformat(value) if value else default
    except ValueError:
        return default
    if day is not None and not timeutil.in_range(day):
        return default  # a calendar URL far outside the program's dates: no overflow
    return day


def _show_problems(form, problems: list[tuple[str, str]]) -> None:
    for name, message in problems:
        show_error(form, DomainError(message, field=name))


def _flash_warnings(sessions) -> None:
    for warning in services.conflict_warnings(sessions):
        flash(f"Check for a conflict: {warning}", "warning")


def _see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), 303)


def _offer_choices(form, error: DomainError) -> None:
    """A typed time that happens twice: offer both readings on the form."""
    if isinstance(error, TimeChoiceNeeded):
        form.repeated_time.choices = choices(error.choices)


def _already_created(form, what: str, done: str = "created"):
    """The answer to a repeat of a creating form (double click, Back and send again):
    what the first submission made, never a twin. None when this is the first."""
    earlier = claim_form_key(form.form_key.data, what)
    if earlier is None:
        return None
    db.session.rollback()
    flash(f"This {what} was already {done}.", "info")
    return redirect(earlier.result_url or url_for("schedule.calendar"), 303)


# ---------------------------------------------------------------- calendar


def _audience_filter_choices() -> list[tuple[str, str]]:
    from conferences.people.models import Firm, Track
    from conferences.rotations.models import SETTING_LABELS

    choices = [("", "Any audience")]
    choices += [(f"pgy:{level}", f"PGY-{level}") for level in (1, 2, 3)]
    for id_, name in db.session.execute(select(Firm.id, Firm.name).order_by(Firm.name)):
        choices.append((f"firm:{id_}", f"Firm: {name}"))
    for id_, name in db.session.execute(select(Track.id, Track.name).order_by(Track.name)):
        choices.append((f"track:{id_}", f"Track: {name}"))
    choices += [(f"setting:{s.value}", f"On {label}") for s, label in SETTING_LABELS.items()]
    return choices


def _audience_matches(audience: Audience, token: str) -> bool:
    """Is a session with this audience open to people with the chosen attribute?"""
    kind, _, value = token.partition(":")
    try:
        if kind == "pgy":
            return not audience.pgy_levels or int(value) in audience.pgy_levels
        if kind == "firm":
            return not audience.firm_ids or int(value) in audience.firm_ids
        if kind == "track":
            return not audience.track_ids or int(value) in audience.track_ids
    except ValueError:
        return True
    if kind == "setting":
        return not audience.depends_on_rotation or value in audience.rotation_settings
    return True


def _period(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first, last) days shown and the (previous, next) anchors."""
    if view == "week":
        first = anchor - timedelta(days=anchor.weekday())
        return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(7)
    if view == "month":
        month_first = anchor.replace(day=1)
        month_last = month_first.replace(
            day=calendar_module.monthrange(anchor.year, anchor.month)[1]
        )
        first = month_first - timedelta(days=month_first.weekday())
        last = month_last + timedelta(days=6 - month_last.weekday())
        previous = (month_first - timedelta(days=1)).replace(day=1)
        following = month_last + timedelta(days=1)
        return first, last, previous, following
    first = _date_arg("start", anchor) or anchor
    last = _date_arg("end", first + timedelta(days=LIST_DAYS - 1)) or first
    if last < first:
        last = first
    last = min(last, first + timedelta(days=MAX_LIST_DAYS))
    span = (last - first).days + 1
    return first, last, first - timedelta(days=span), first + timedelta(days=span)


@bp.get("/schedule")
@permission_required("view_schedule")
def calendar():
    """The conference schedule: a week, a month, or a filterable list."""
    view = request.args.get("view", "week")
    if view not in VIEWS:
        view = "week"
    today = timeutil.local_today()
    anchor = _date_arg("date", today) or today
    first, last, previous, following = _period(view, anchor)
    include_cancelled = request.args.get("include_cancelled", "1") != "0"
    kind = request.args.get("kind", "")
    series_id = request.args.get("series", "", type=str)
    audience_token = request.args.get("audience", "")
    sessions = services.sessions_between(
        *timeutil.range_bounds(first, last), include_cancelled=include_cancelled
    )
    if kind:
        sessions = [s for s in sessions if s.kind == kind]
    chosen_series = parse_id(series_id)
    if chosen_series is not None:
        sessions = [s for s in sessions if s.series_id == chosen_series]
    if audience_token:
        sessions = [
            s for s in sessions if _audience_matches(Audience.from_json(s.audience), audience_token)
        ]
    by_day: dict[date, list] = defaultdict(list)
    for session in sessions:
        by_day[timeutil.local_date(session.starts_at)].append(session)
    services.audience_names()  # the agenda names audiences: load the names once, up front
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    filters = {
        "kind": kind,
        "series": series_id,
        "audience": audience_token,
        "include_cancelled": "1" if include_cancelled else "0",
    }
    return render_template(
        "schedule/calendar.html",
        view=view,
        anchor=anchor,
        first=first,
        last=last,
        previous=previous,
        following=following,
        days=days,
        weeks=[days[i : i + 7] for i in range(0, len(days), 7)],
        by_day=by_day,
        holidays=holiday_service.holiday_names(first, last),
        sessions=sessions,
        filters={k: v for k, v in filters.items() if v},
        kind=kind,
        series_id=series_id,
        audience_token=audience_token,
        include_cancelled=include_cancelled,
        kinds=[(k.value, KIND_LABELS[k]) for k in Kind],
        series_options=db.session.execute(
            select(Series.id, Series.title).order_by(Series.title)
        ).all(),
        audience_options=_audience_filter_choices(),
        today=today,
    )


@bp.get("/my-schedule")
@permission_required("view_schedule")
def my_schedule():
    """A resident's own sessions: only those whose audience includes them."""
    if not current_user.is_resident:
        raise NotAllowed(
            "My schedule lists the sessions a resident is expected at, and your account is "
            "not a resident's. The whole program is under Schedule."
        )
    today = timeutil.local_today()
    first = _date_arg("start", today) or today
    days = request.args.get("days", LIST_DAYS, type=int) or LIST_DAYS
    days = max(1, min(days, 120))
    last = first + timedelta(days=days - 1)
    facts = facts_for(current_user)
    sessions = [
        s
        for s in services.sessions_between(*timeutil.range_bounds(first, last))
        if in_audience(s, facts)
    ]
    by_day: dict[date, list] = defaultdict(list)
    for session in sessions:
        by_day[timeutil.local_date(session.starts_at)].append(session)
    return render_template(
        "schedule/my_schedule.html",
        sessions=sessions,
        by_day=by_day,
        first=first,
        last=last,
        days=days,
        previous=first - timedelta(days=days),
        following=first + timedelta(days=days),
    )


# ---------------------------------------------------------------- sessions


@bp.get("/sessions/<public_id>")
@permission_required("view_schedule")
def view_session(public_id: str):
    """One session: time, place, audience, and what other domains add to it."""
    session = _load_session(public_id)
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
        form.day.data = _date_arg("date")
    form.offer_repeated_times(form.day.data)
    if form.validate_on_submit():
        if (repeat := _already_created(form, "session")) is not None:
            return repeat
        values = form.common_values()
        values["day"] = form.day.data
        values["repeated_time"] = form.which
        try:
            session = services.create_session(values, current_user)
        except DomainError as error:
            db.session.rollback()
            _offer_choices(form, error)
            show_error(form, error)
        else:
            settle_form_key(
                form.form_key.data, url_for("schedule.view_session", public_id=session.public_id)
            )
            db.session.commit()
            flash(f"Added “{session.title}”.", "success")
            _flash_warnings([session])
            return _see_other("schedule.view_session", public_id=session.public_id)
    return render_template("schedule/session_form.html", form=form, session=None)


@bp.route("/sessions/<public_id>/edit", methods=["GET", "POST"])
@permission_required("manage_schedule")
def edit_session(public_id: str):
    """Edit one session, or this one and the following ones of its series."""
    session = _load_session(public_id)
    form = SessionForm()
    form.load_audience_choices()
    if request.method == "GET":
        form.fill_common(session)
        form.start_time.data, form.end_time.data = services.wall_times(session)
    form.offer_repeated_times(timeutil.local_date(session.starts_at))
    if form.validate_on_submit():
        try:
            changed = services.update_session(
                session,
                {**form.common_values(), "repeated_time": form.which},
                current_user,
                scope=form.scope.data,
            )
        except DomainError as error:
            db.session.rollback()
            _offer_choices(form, error)
            show_error(form, error)
        else:
            db.session.commit()
            if changed:
                flash(f"Saved changes to {len(changed)} session(s).", "success")
                _flash_warnings(changed)
            else:
                flash("Nothing changed.", "info")
            return _see_other("schedule.view_session", public_id=session.public_id)
    return render_template("schedule/session_form.html", form=form, session=session)


@bp.route("/sessions/<public_id>/move", methods=["GET", "POST"])
@permission_required("manage_schedule")
def move_session(public_id: str):
    """Move one session to another day, time or room."""
    session = _load_session(public_id)
    form = MoveForm()
    if request.method == "GET":
        form.day.data = timeutil.local_date(session.starts_at)
        form.start_time.data, form.end_time.data = services.wall_times(session)
        form.room.data = session.room
    form.offer_repeated_times(form.day.data)
    if form.validate_on_submit():
        warnings = services.move_warnings(form.day.data)
        if warnings and not form.go_ahead.data:
            # Say what is odd about the new date before saving; ticking the box goes on.
            form.go_ahead.errors = [*warnings, "Tick the box to move it there anyway."]
            return render_template("schedule/move_session.html", form=form, session=session)
        try:
            services.move_session(
                session,
                form.day.data,
                form.start_time.data,
                form.end_time.data,
                current_user,
                room=form.room.data or "",
                which=form.which,
            )
        except DomainError as error:
            db.session.rollback()
            _offer_choices(form, error)
            show_error(form, error)
        else:
            db.session.commit()
            flash(f"Moved to {timeutil.format_local(session.starts_at)}.", "success")
            _flash_warnings([session])
            return _see_other("schedule.view_session", public_id=session.public_id)
    return render_template("schedule/move_session.html", form=form, session=session)


@bp.post("/sessions/<public_id>/cancel")
@permission_required("manage_schedule")
def cancel_session(public_id: str):
    """Cancel one session with a reason; it stays visible, struck through."""
    session = _load_session(public_id)
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
        services.cancel_session(session, form.reason.data, current_user)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash("The session is cancelled.", "success")
    return _see_other("schedule.view_session", public_id=public_id)


@bp.post("/sessions/<public_id>/restore")
@permission_required("manage_schedule")
def restore_session(public_id: str):
    """Undo a cancellation."""
    session = _load_session(public_id)
    if ActionForm().validate_on_submit():
        try:
            services.restore_session(session, current_user)
        except DomainError as error:
            flash(error.message, "danger")
        else:
            db.session.commit()
            flash("The session is back on the schedule.", "success")
            _flash_warnings([session])
    return _see_other("schedule.view_session", public_id=public_id)


@bp.post("/sessions/<public_id>/delete")
@permission_required("manage_schedule")
def delete_session(public_id: str):
    """Delete a session nothing depends on."""
    session = _load_session(public_id)
    if not ActionForm().validate_on_submit():
        return _see_other("schedule.view_session", public_id=public_id)
    day = timeutil.local_date(session.starts_at)
    title = session.title
    try:
        services.delete_session(session, current_user)
    except DomainError as error:
        flash(error.message, "danger")
        return _see_other("schedule.view_session", public_id=public_id)
    db.session.commit()
    flash(f"Deleted “{title}”.", "success")
    return _see_other("schedule.calendar", date=day.isoformat())


# ---------------------------------------------------------------- series


@bp.get("/series")
@permission_required("manage_schedule")
def list_series():
    """Every series with its rule and session counts."""
    return render_template(
        "schedule/series_list.html",
        series_list=services.all_series(),
        counts=services.session_counts(),
    )


def _default_dates() -> tuple[date, date]:
    """A new series starts on the next weekday (never in the past) and runs to the end of
    that academic year."""
    first = timeutil.local_today() + timedelta(days=1)
    while first.weekday() >= 5:
        first += timedelta(days=1)
    return first, timeutil.academic_year_bounds(timeutil.academic_year_of(first))[1]


@bp.route("/series/new", methods=["GET", "POST"])
@permission_required("manage_schedule")
def new_series():
    """Create a series; its sessions are generated on the next page."""
    form = SeriesForm()
    form.load_audience_choices()
    if request.method == "GET":
        form.starts_on.data, form.ends_on.data = _default_dates()
        form.weekdays.data = [0, 1, 2, 3, 4]
        form.required.data = True
    if form.validate_on_submit():
        values = form.series_values()
        problems = services.series_problems(values, confirm_past=form.confirm_past.data)
        if problems:
            _show_problems(form, problems)
        elif (repeat := _already_created(form, "series")) is not None:
            return repeat
        else:
            series = services.create_series(
                values, current_user, confirm_past=form.confirm_past.data
            )
            settle_form_key(form.form_key.data, url_for("schedule.edit_series", slug=series.slug))
            db.session.commit()
            flash(f"Created the series “{series.title}”. Now generate its sessions.", "success")
            return _see_other("schedule.edit_series", slug=series.slug)
    return render_template("schedule/series_form.html", form=form, series=None, plan=None)


@bp.route("/series/<slug>", methods=["GET", "POST"])
@permission_required("manage_schedule")
def edit_series(slug: str):
    """Edit a series (and choose which sessions follow); generate its sessions."""
    series = _load_series(slug)
    form = SeriesForm()
    form.load_audience_choices()
    if request.method == "GET":
        form.fill_from(series)
    if form.validate_on_submit():
        values = form.series_values()
        problems = services.series_problems(
            values, confirm_past=form.confirm_past.data, series=series
        )
        if problems:
            _show_problems(form, problems)
        else:
            changed = services.update_series(
                series,
                values,
                current_user,
                scope=form.scope.data,
                confirm_past=form.confirm_past.data,
            )
            db.session.commit()
            flash(f"Saved the series; {len(changed)} session(s) updated.", "success")
            _flash_warnings(changed)
            return _see_other("schedule.edit_series", slug=series.slug)
    plan = None
    try:
        plan = services.plan_generation(series)
    except DomainError as error:
        flash(error.message, "warning")
    return render_template(
        "schedule/series_form.html",
        form=form,
        series=series,
        plan=plan,
        action_form=ActionForm(),
        counts=services.session_counts().get(series.id, (0, 0)),
        delete_blockers=services.series_delete_blockers(series),
    )


@bp.post("/series/<slug>/delete")
@permission_required("manage_schedule")
def delete_series(slug: str):
    """Delete a series with its sessions, when nothing depends on them."""
    series = _load_series(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    title = series.title
    try:
        removed = services.delete_series(series, current_user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return _see_other("schedule.edit_series", slug=slug)
    db.session.commit()
    flash(f"Deleted the series “{title}” and its {removed} session(s).", "success")
    return _see_other("schedule.list_series")


@bp.post("/series/<slug>/generate")
@permission_required("manage_schedule")
def generate_series(slug: str):
    """Create the series' missing sessions, skipping holidays."""
    series = _load_series(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = services.generate_sessions(series, current_user)
    except DomainError as error:
        flash(error.message, "danger")
        return _see_other("schedule.edit_series", slug=slug)
    db.session.commit()
    flash(result.summary(), "success")
    _flash_warnings(result.created)
    return _see_other("schedule.edit_series", slug=slug)


@bp.post("/series/<slug>/removed-dates/<day>/restore")
@permission_required("manage_schedule")
def restore_series_date(slug: str, day: str):
    """Let generating create a deleted date of the series again."""
    series = _load_series(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not services.restore_removed_date(series, chosen, current_user):
        abort(404)
    db.session.commit()
    flash(
        f"{chosen.strftime('%a %d %b %Y')} will be created the next time you generate.",
        "success",
    )
    return _see_other("schedule.edit_series", slug=slug)


# ---------------------------------------------------------------- holidays


@bp.route("/holidays", methods=["GET", "POST"])
@permission_required("manage_schedule")
def holidays():
    """The holiday calendar of an academic year: add days and blackout ranges."""
    year = request.args.get("year", timeutil.current_academic_year(), type=int)
    if not timeutil.FIRST_DAY.year <= year < timeutil.LAST_DAY.year:
        year = timeutil.current_academic_year()
    first, last = timeutil.academic_year_bounds(year)
    form = HolidayForm()
    if form.validate_on_submit():
        if (repeat := _already_created(form, "holiday")) is not None:
            return repeat
        try:
            holiday = holiday_service.add_holiday(
                form.name.data, form.starts_on.data, form.ends_on.data
            )
        except DomainError as error:
            db.session.rollback()
            show_error(form, error)
        else:
            settle_form_key(
                form.form_key.data,
                url_for("schedule.holidays", year=timeutil.academic_year_of(holiday.starts_on)),
            )
            db.session.commit()
            flash(f"Added {holiday.name}.", "success")
            return _see_other(
                "schedule.holidays", year=timeutil.academic_year_of(holiday.starts_on)
            )
    prefill = PrefillForm(year=year)
    return render_template(
        "schedule/holidays.html",
        form=form,
        prefill_form=prefill,
        action_form=ActionForm(),
        year=year,
        year_label=timeutil.academic_year_label(year),
        rows=holiday_service.holidays_between(first, last),
    )


@bp.post("/holidays/prefill")
@permission_required("manage_schedule")
def prefill_holidays():
    """Add the US federal holidays of an academic year."""
    form = PrefillForm()
    if not form.validate_on_submit():
        abort(400)
    added = holiday_service.prefill_federal_holidays(form.year.data)
    db.session.commit()
    flash(f"Added {added} federal holiday(s).", "success")
    return _see_other("schedule.holidays", year=form.year.data)


@bp.post("/holidays/<int:holiday_id>/delete")
@permission_required("manage_schedule")
def delete_holiday(holiday_id: int):
    """Remove a holiday (sessions already generated stay as they are)."""
    holiday = db.get_or_404(Holiday, holiday_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    year = timeutil.academic_year_of(holiday.starts_on)
    holiday_service.delete_holiday(holiday)
    db.session.commit()
    flash("Removed the holiday.", "success")
    return _see_other("schedule.holidays", year=year)


# ---------------------------------------------------------------- import


@bp.route("/schedule/import", methods=["GET", "POST"])
@permission_required("manage_schedule")
def import_schedule():
    """Upload a schedule CSV and preview it; nothing is saved until applied."""
    form = ImportForm()
    parsed = None
    apply_form = None
    if form.validate_on_submit():
        raw = form.file.data.read(importer.MAX_BYTES + 1)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            form.file.errors = [*form.file.errors, "Save the file as UTF-8 CSV."]
        else:
            parsed = importer.parse(text)
            if not parsed.errors:
                apply_form = ApplyImportForm(
                    csv_text=text, filename=form.file.data.filename or "schedule.csv"
                )
    latest = importer.last_import()
    return render_template(
        "schedule/import.html",
        form=form,
        parsed=parsed,
        apply_form=apply_form,
        latest=latest,
        blockers=importer.undo_blockers(latest) if latest else [],
        action_form=ActionForm(),
        columns=importer.COLUMNS,
        audience_help=importer.AUDIENCE_HELP,
        kinds=[(k.value, KIND_LABELS[k]) for k in Kind],
    )


@bp.post("/schedule/import/apply")
@permission_required("manage_schedule")
def apply_import():
    """Create every session of the previewed file, or none."""
    form = ApplyImportForm()
    if not form.validate_on_submit():
        abort(400)
    if (repeat := _already_created(form, "import", "applied")) is not None:
        return repeat
    try:
        record, created = importer.apply(form.csv_text.data, form.filename.data, current_user)
    except ImportErrors as error:
        db.session.rollback()
        flash(
            f"{error.message} First problem: line {error.errors[0][0]}: {error.errors[0][1]}",
            "danger",
        )
        return _see_other("schedule.import_schedule")
    settle_form_key(form.form_key.data, url_for("schedule.import_schedule"))
    db.session.commit()
    flash(f"Imported {len(created)} session(s) from {record.filename}.", "success")
    _flash_warnings(created)
    return _see_other("schedule.import_schedule")


@bp.post("/schedule/import/<int:import_id>/undo")
@permission_required("manage_schedule")
def undo_import(import_id: int):
    """Remove the sessions of the last import, while nothing depends on them."""
    from conferences.schedule.models import ScheduleImport

    record = db.get_or_404(ScheduleImport, import_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        removed = importer.undo(record, current_user)
    except DomainError as error:
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(f"Undid the import: removed {removed} session(s).", "success")
    return _see_other("schedule.import_schedule")
