"""HTTP handlers for attendance reports: pages, charts, and CSV/Excel exports of every table."""

from __future__ import annotations

import re
from collections.abc import Callable

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
from conferences.errors import NotAllowed
from conferences.extensions import db
from conferences.people.models import User
from conferences.people.policy import authorize, permission_required
from conferences.reports import charts, export_names, exports, residency
from conferences.reports.coverage import UNTAGGED, coverage_table
from conferences.reports.filters import (
    FilterReading,
    Filters,
    firm_choices,
    read_filters,
    series_choices,
)
from conferences.reports.forms import ReportFilterForm
from conferences.reports.overview import (
    RESIDENT_SORTS,
    Overview,
    ResidentQuery,
    below_table,
    class_table,
    firm_table,
    month_table,
    resident_page,
    resident_page_table,
    resident_table,
    series_table,
)
from conferences.reports.overview_cache import current_overview as program_overview
from conferences.reports.resident import excusal_table, group_by_month, resident_report
from conferences.reports.sessions import session_detail_table, session_table
from conferences.reports.tables import Table, percent
from conferences.reports.years import academic_years
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
    return percent(value)


@bp.app_template_global("below_threshold")
def below_threshold(value, threshold) -> bool:
    """The exact threshold comparison (``rules.below_threshold``), for templates."""
    return threshold is not None and rules.below_threshold(value, threshold)


def _reading() -> FilterReading:
    """This request's filters, read once (kept on the request: ``g`` can outlive it)."""
    reading = request.environ.get("conferences.report_filters")
    if reading is None:
        reading = request.environ["conferences.report_filters"] = read_filters(request.args)
        for problem in reading.problems:  # said once, at the top of the page
            flash(problem, "warning")
    return reading


def _filters() -> Filters:
    return _reading().filters


def _export_filters() -> Filters:
    """A download with filters that cannot be read is refused (400) rather than holding
    other data than was asked for."""
    reading = read_filters(request.args)
    if reading.problems:
        abort(400, " ".join(reading.problems))
    return reading.filters


def _filter_form(filters: Filters) -> ReportFilterForm:
    form = ReportFilterForm(formdata=None)
    form.fill(filters, firm_choices(), series_choices())
    form.fill_years(filters, academic_years())
    return form


def _resident_link(line) -> str:
    return url_for("reports.resident_detail", user_id=line.id, **_filters().to_args())


def _session_link(session) -> str:
    return url_for("reports.session_detail", public_id=session.public_id)


def _bars(table: Table, detail_keys=("attended", "expected")) -> list[charts.Bar]:
    keys = [c.key for c in table.columns]
    bars = []
    for row in table.rows:
        values = dict(zip(keys, row, strict=True))
        detail = f"{values[detail_keys[0]]} of {values[detail_keys[1]]} expected"
        bars.append(charts.Bar(str(row[0]), values["rate"], detail))
    return bars


# The overview page lists this many residents below the threshold; the residents page
# (filtered to them) and the exports have all.
BELOW_SHOWN = 25


def _overview_tables(view: Overview, below_limit: int | None = None) -> dict[str, Table]:
    return {
        "classes": class_table(view),
        "firms": firm_table(view),
        "series": series_table(view),
        "months": month_table(view),
        "below": below_table(view, _resident_link, limit=below_limit),
    }


@bp.get("/reports")
@permission_required("view_reports")
def overview():
    """Program overview: rates by class, firm, series and month; residents below threshold."""
    filters = _filters()
    view = program_overview(filters)
    tables = _overview_tables(view, below_limit=BELOW_SHOWN)
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


def _table_page(title: str, name: str, table_of: Callable[..., Table], link: Callable[..., str]):
    """One overview table, ``table_of(view, link)``, on a page of its own with the filters."""
    filters = _filters()
    view = program_overview(filters)
    return compressed(
        render_template(
            "reports/table_page.html",
            title=title,
            name=name,
            table=table_of(view, link),
            filters=filters,
            form=_filter_form(filters),
            threshold=view.threshold,
        )
    )


@bp.get("/reports/residents")
@permission_required("view_reports")
def residents():
    """Every resident's expected, attended and excused counts, and rate: a page at a time,
    searched, sorted and narrowed to those below the threshold on the server (the exports
    have every resident)."""
    filters = _filters()
    query = ResidentQuery.read(request.args)
    view = program_overview(filters)
    page = resident_page(view, query)
    return compressed(
        render_template(
            "reports/residents.html",
            table=resident_page_table(page, _resident_link),
            page=page,
            query=query,
            sorts=RESIDENT_SORTS,
            filters=filters,
            form=_filter_form(filters),
            threshold=view.threshold,
            below_count=len(view.below),
            resident_count=len(view.residents),
        )
    )


@bp.get("/reports/sessions")
@permission_required("view_reports")
def sessions():
    """Every session in the range, with audience, excused, expected, attended and visitors."""
    return _table_page("Sessions", "sessions", session_table, _session_link)


@bp.get("/reports/coverage")
@permission_required("view_reports")
def coverage():
    """Hours per curriculum topic against target shares."""
    filters = _filters()
    table = coverage_table(filters)
    rows = [(row[0], row[2], row[3]) for row in table.rows if row[0] != UNTAGGED and row[3]]
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
        tables = [coverage_table(filters)]
    else:
        view = program_overview(filters)
        if name == "residents":
            tables = [resident_table(view)]
        elif name == "sessions":
            tables = [session_table(view)]
        elif name == "overview":
            tables = list(_overview_tables(view).values())
        else:
            tables = [_overview_tables(view)[name]]
    if name == "overview" and fmt == "csv":
        abort(404)
    return _download(tables, export_names.file_stem(name, filters), fmt, filters)


def _download(tables, stem: str, fmt: str, filters: Filters | None = None) -> Response:
    if fmt == "csv":
        body, mimetype = exports.to_csv(tables[0]), exports.CSV_MIMETYPE
    else:
        caption = export_names.title(filters) if filters else ""
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
    report = resident_report(resident, filters)
    report.table.links = [_session_page(public_id, own) for public_id in report.table.links]
    months = group_by_month(report.table, timeutil.local_today())
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
            excusal_table=excusal_table(report),
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
    report = resident_report(resident, filters)
    table = report.table if name == "detail" else excusal_table(report)
    prefix = f"attendance-{export_names.slug(resident.email.split('@')[0])}-{name}"
    return _download([table], export_names.file_stem(prefix, filters), fmt, filters)


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


@bp.get("/reports/residents/<int:user_id>/residency")
@permission_required("view_reports")
def resident_residency(user_id: int):
    """The whole residency: attendance per academic year against that year's threshold,
    excusals and teaching (for the Clinical Competency Committee)."""
    resident = _resident_or_404(user_id)
    authorize("view_attendance_of", resident)
    report = residency.residency(resident)
    table = residency.residency_table(report)
    table.links = [
        url_for(
            "reports.resident_detail",
            user_id=resident.id,
            start=timeutil.academic_year_bounds(line.start_year)[0].isoformat(),
            end=timeutil.academic_year_bounds(line.start_year)[1].isoformat(),
        )
        for line in report.years
    ]
    return render_template("reports/residency.html", report=report, resident=resident, table=table)


@bp.get("/reports/residents/<int:user_id>/residency.<fmt>")
@permission_required("view_reports")
def export_residency(user_id: int, fmt: str):
    """The whole residency as CSV or Excel."""
    if fmt not in FORMATS:
        abort(404)
    resident = _resident_or_404(user_id)
    authorize("view_attendance_of", resident)
    table = residency.residency_table(residency.residency(resident))
    return _download([table], f"residency-{resident.email.split('@')[0]}", fmt)


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
    table = session_detail_table(session)
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
    table = session_detail_table(session)
    day = timeutil.local_date(session.starts_at)
    return _download([table], f"session-{day}-{session.public_id[:8]}", fmt)
