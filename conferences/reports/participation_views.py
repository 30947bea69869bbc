"""How residents took part (in the room, remote, late, watched the recording): the
coordinators' page (a resident's own page shows their line from ``ResidentReport``)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from conferences.attendance.compression import compressed
from conferences.people.policy import permission_required
from conferences.reports.filters import read_filters
from conferences.reports.participation import participation_table

bp = Blueprint("participation", __name__)


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
