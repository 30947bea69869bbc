"""How residents took part (in the room, remote, late, watched the recording): the
coordinators' page, and the section of a resident's attendance page."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from conferences.attendance.compression import compressed
from conferences.people.policy import can, permission_required
from conferences.reports.filters import Filters, read_filters
from conferences.reports.participation import participation_table, resident_participation

bp = Blueprint("participation", __name__)


@bp.app_context_processor
def _helpers() -> dict:
    return {"participation_of": _participation_of}


def _participation_of(resident, filters: Filters):
    """For ``reports/resident.html``: the resident's own numbers, or None when the page's
    viewer may not see them (the page itself checked ``view_attendance_of``)."""
    if not can("view_attendance_of", resident):
        return None
    return resident_participation(resident, filters)


@bp.get("/reports/participation")
@permission_required("view_reports")
def participation():
    """One line per resident: expected, attended, in room, remote, late, watched, missed."""
    reading = read_filters(request.args)
    table = participation_table(reading.filters)
    return compressed(
        render_template(
            "reports/participation.html",
            table=table,
            filters=reading.filters,
            problems=reading.problems,
        )
    )
