"""HTTP handlers for attendance reports: pages, charts, and CSV/Excel exports of every table."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from conferences import timeutil
from conferences.attendance import rules
from conferences.attendance.compression import compressed
from conferences.auth.policy import authorize, permission_required
from conferences.errors import NotAllowed
from conferences.extensions import db
from conferences.people.models import User
from conferences.reports import charts, exports, services
from conferences.reports.forms import ReportFilterForm
from conferences.schedule.models import Session

bp = Blueprint("reports", __name__)

NOT_A_RESIDENT = (
    "My attendance shows a resident's own attendance, and your account is not a resident's. "
    "Coordinators find every resident's attendance under Reports."
)

OVERVIEW_TABLES = ("classes", "firms", "series", "months", "below")
TABLES = (*OVERVIEW_TABLES, "residents", "sessions", "coverage")
FORMATS = ("csv", "xlsx")


@bp.app_template_filter("rate_percent")
def rate_percent(value) -> str:
    return services.percent(value)


@bp.app_template_global("below_threshold")
def below_threshold(value, threshold) -> bool:
    """The exact threshold comparison (``rules.below_threshold``), for templates."""
    return threshold is not None and rules.below_threshold(value, threshold)


def _reading() -> services.FilterReading:
    """This request's filters, read once (kept on the request: ``g`` can outlive it)."""
    reading = request.environ.get("conferences.report_filters")
    if reading is None:
        reading = request.environ["conferences.report_filters"] = services.read_filters(
            request.args
        )
        for problem in reading.problems:  # said once, at the top of the page
            flash(problem, "warning")
    return reading


def _filters() -> services.Filters:
    return _reading().filters


def _export_filters() -> services.Filters:
    """A download with filters that cannot be read is refused (400) rather than holding
    other data than was asked for."""
    reading = services.read_filters(request.args)
    if reading.problems:
        abort(400, " ".join(reading.problems))
    return reading.filters


def _filter_form(filters: services.Filters) -> ReportFilterForm:
    form = ReportFilterForm(formdata=None)
    form.fill(filters, services.firm_choices(), services.series_choices())
    return form


def _resident_link(line) -> str:
    return url_for("reports.resident_detail", user_id=line.id, **_filters().to_args())


def _session_link(session) -> str:
    return url_for("reports.session_detail", public_id=session.public_id)


def _bars(table: services.Table, detail_keys=("attended", "expected")) -> list[charts.Bar]:
    keys = [c.key for c in table.columns]
    bars = []
    for row in table.rows:
        values = dict(zip(keys, row, strict=True))
        detail = f"{values[detail_keys[0]]} of {values[detail_keys[1]]} expected"
        bars.append(charts.Bar(str(row[0]), values["rate"], detail))
    return bars


def _overview_tables(view: services.Overview) -> dict[str, services.Table]:
    return {
        "classes": services.class_table(view),
        "firms": services.firm_table(view),
        "series": services.series_table(view),
        "months": services.month_table(view),
        "below": services.below_table(view, _resident_link),
    }


@bp.get("/reports")
@permission_required("view_reports")
def overview():
    """Program overview: rates by class, firm, series and month; residents below threshold."""
    filters = _filters()
    view = services.overview(filters)
    tables = _overview_tables(view)
    threshold = view.threshold
    chart_svgs = {
        "classes": charts.bar_chart(
            "Attendance rate by class", _bars(tables["classes"]), threshold
        ),
        "firms": charts.bar_chart("Attendance rate by firm", _bars(tables["firms"]), threshold),
        "series": charts.bar_chart("Attendance rate by series", _bars(tables["series"]), threshold),
        "months": charts.column_chart(
            "Attendance rate by month", _bars(tables["months"]), threshold
        ),
    }
    return render_template(
        "reports/overview.html",
        view=view,
        filters=filters,
        form=_filter_form(filters),
        tables=tables,
        charts=chart_svgs,
    )


@bp.get("/reports/residents")
@permission_required("view_reports")
def residents():
    """Every resident's expected, attended and excused counts, and rate."""
    filters = _filters()
    view = services.overview(filters)
    table = services.resident_table(view, _resident_link)
    return compressed(
        render_template(
            "reports/table_page.html",
            title="Residents",
            name="residents",
            table=table,
            filters=filters,
            form=_filter_form(filters),
            threshold=view.threshold,
        )
    )


@bp.get("/reports/sessions")
@permission_required("view_reports")
def sessions():
    """Every session in the range, with audience, excused, expected, attended and visitors."""
    filters = _filters()
    view = services.overview(filters)
    table = services.session_table(view, _session_link)
    return compressed(
        render_template(
            "reports/table_page.html",
            title="Sessions",
            name="sessions",
            table=table,
            filters=filters,
            form=_filter_form(filters),
            threshold=view.threshold,
        )
    )


@bp.get("/reports/coverage")
@permission_required("view_reports")
def coverage():
    """Hours per curriculum topic against target shares."""
    filters = _filters()
    table = services.coverage_table(filters)
    rows = [
        (row[0], row[2], row[3]) for row in table.rows if row[0] != services.UNTAGGED and row[3]
    ]
    chart = charts.share_chart("Share of teaching hours per topic against target", rows)
    return render_template(
        "reports/coverage.html",
        table=table,
        chart=chart,
        filters=filters,
        form=_filter_form(filters),
    )


@bp.get("/reports/export/<name>.<fmt>")
@permission_required("view_reports")
def export(name: str, fmt: str):
    """Any report table as CSV or Excel, with the filters in the address applied."""
    if name not in (*TABLES, "overview") or fmt not in FORMATS:
        abort(404)
    filters = _export_filters()
    if name == "coverage":
        tables = [services.coverage_table(filters)]
    else:
        view = services.overview(filters)
        if name == "residents":
            tables = [services.resident_table(view)]
        elif name == "sessions":
            tables = [services.session_table(view)]
        elif name == "overview":
            tables = list(_overview_tables(view).values())
        else:
            tables = [_overview_tables(view)[name]]
    if name == "overview" and fmt == "csv":
        abort(404)
    return _download(tables, f"{name}-{filters.start_on}-{filters.end_on}", fmt, filters)


def _download(tables, stem: str, fmt: str, filters: services.Filters | None = None) -> Response:
    if fmt == "csv":
        body, mimetype = exports.to_csv(tables[0]), exports.CSV_MIMETYPE
    else:
        caption = f"Attendance {filters.describe()}" if filters else ""
        body, mimetype = exports.to_xlsx(tables, caption=caption), exports.XLSX_MIMETYPE
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- one resident


def _resident_or_404(user_id: int) -> User:
    resident = db.get_or_404(User, user_id)
    if not resident.is_resident:
        abort(404)
    return resident


def _session_page(public_id: str | None, own: bool) -> str | None:
    if public_id is None:
        return None
    if not own:
        return url_for("reports.session_detail", public_id=public_id)
    if "schedule.view_session" in current_app.view_functions:
        return url_for("schedule.view_session", public_id=public_id)
    return None


_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month_arg(name: str) -> str | None:
    value = request.args.get(name, "")
    return value if _MONTH.match(value) else None


def _month_link(month: str, key: str) -> str:
    """This page's address with ``key`` (``open`` or ``month``) set to ``month``."""
    args = {k: v for k, v in request.args.items() if k not in ("open", "month")}
    args[key] = month
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)


def _render_resident(resident: User, *, own: bool):
    """The page shows the rows of the open months only; a closed month's rows are sent
    when it is opened (``?month=``, htmx) or with its link (``?open=``, no scripts)."""
    filters = _filters()
    report = services.resident_report(resident, filters)
    report.table.links = [_session_page(public_id, own) for public_id in report.table.links]
    months = services.group_by_month(report.table, timeutil.local_today())
    wanted = _month_arg("month")
    if wanted is not None:
        group = next((g for g in months if g.month == wanted), None)
        if group is None:
            abort(404)
        return compressed(
            render_template("reports/_month_rows.html", group=group, month_link=_month_link)
        )
    opened = _month_arg("open")
    for group in months:
        if group.month == opened:
            group.open = True
    return compressed(
        render_template(
            "reports/resident.html",
            report=report,
            resident=resident,
            filters=filters,
            own=own,
            months=months,
            month_link=_month_link,
            excusal_table=services.excusal_table(report),
            form=_filter_form(filters),
        )
    )


@bp.get("/reports/residents/<int:user_id>")
@permission_required("view_reports")
def resident_detail(user_id: int):
    """One resident's rate, every session with status and excusal, and their outlook."""
    resident = _resident_or_404(user_id)
    authorize("view_attendance_of", resident)
    return _render_resident(resident, own=False)


@bp.get("/my/attendance")
@login_required
def my_attendance():
    """The signed-in resident's own rate, sessions and excusals this academic year."""
    if not current_user.is_resident:
        raise NotAllowed(NOT_A_RESIDENT)
    authorize("view_attendance_of", current_user)
    return _render_resident(current_user, own=True)


def _resident_export(resident: User, name: str, fmt: str):
    if fmt not in FORMATS or name not in ("detail", "excusals"):
        abort(404)
    filters = _export_filters()
    report = services.resident_report(resident, filters)
    table = report.table if name == "detail" else services.excusal_table(report)
    stem = f"attendance-{resident.email.split('@')[0]}-{name}-{filters.start_on}-{filters.end_on}"
    caption_filters = filters
    return _download([table], stem, fmt, caption_filters)


@bp.get("/reports/residents/<int:user_id>/<name>.<fmt>")
@permission_required("view_reports")
def export_resident(user_id: int, name: str, fmt: str):
    """One resident's detail or excusals as CSV or Excel."""
    resident = _resident_or_404(user_id)
    authorize("view_attendance_of", resident)
    return _resident_export(resident, name, fmt)


@bp.get("/my/attendance/<name>.<fmt>")
@login_required
def export_my_attendance(name: str, fmt: str):
    """The signed-in resident's detail or excusals as CSV or Excel."""
    if not current_user.is_resident:
        raise NotAllowed(NOT_A_RESIDENT)
    return _resident_export(current_user, name, fmt)


# --------------------------------------------------------------------------- one session


def _session_or_404(public_id: str) -> Session:
    session = db.session.scalar(db.select(Session).where(Session.public_id == public_id))
    if session is None:
        abort(404)
    return session


@bp.get("/reports/sessions/<public_id>")
@permission_required("view_reports")
def session_detail(public_id: str):
    """Who was expected, excused, present and visiting at one session."""
    session = _session_or_404(public_id)
    table = services.session_detail_table(session)
    counts: dict[str, int] = {}
    status_index = [c.key for c in table.columns].index("status")
    for row in table.rows:
        counts[row[status_index]] = counts.get(row[status_index], 0) + 1
    return compressed(
        render_template(
            "reports/session.html",
            session=session,
            table=table,
            counts=counts,
            day=timeutil.local_date(session.starts_at),
        )
    )


@bp.get("/reports/sessions/<public_id>/attendance.<fmt>")
@permission_required("view_reports")
def export_session(public_id: str, fmt: str):
    """One session's attendance table as CSV or Excel."""
    if fmt not in FORMATS:
        abort(404)
    session = _session_or_404(public_id)
    table = services.session_detail_table(session)
    day = timeutil.local_date(session.starts_at)
    return _download([table], f"session-{day}-{session.public_id[:8]}", fmt)
