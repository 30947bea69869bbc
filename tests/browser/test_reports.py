"""The report page in a real browser: a coordinator sees charts drawn as SVG bars."""

from __future__ import annotations

from datetime import date

from conferences.attendance.models import Attendance
from conferences.extensions import db
from tests.browser.conftest import login


def test_coordinator_sees_report_charts(
    page, app_ctx, clock, make_user, make_resident, make_session
):
    make_user(roles=("coordinator",), email="coord@example.test")
    attended = make_resident(pgy=1, name="Ada Attended")
    make_resident(pgy=2, name="Milo Missed")
    for day in (5, 6, 7):
        session = make_session(on=date(2026, 10, day), title="Noon conference")
        db.session.add(
            Attendance(session_id=session.id, resident_id=attended.id, mark="present", source="x")
        )
    db.session.commit()

    login(page, "coord@example.test")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Reports", exact=True
    ).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Attendance reports").is_visible()

    chart = page.locator("svg.report-chart").first
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    bars = chart.locator("g.bar rect")
    assert bars.count() == 2  # PGY-1 and PGY-2
    widths = sorted(float(bars.nth(i).get_attribute("width")) for i in range(bars.count()))
    assert widths[0] <= 1  # 0 % (a sliver) for the class that missed everything
    assert widths[1] > 100  # 100 % for the other
    assert "PGY-1: 100 %" in chart.locator("g.bar title").first.text_content()

    # The below-threshold table lists the resident who missed everything.
    below = page.locator("table[data-table=below]")
    assert "Milo Missed" in below.text_content()
    assert "Ada Attended" not in below.text_content()

    # The accessible table alternative opens and shows the same numbers.
    page.get_by_text("Show as a table").first.click()
    assert page.locator("table[data-table=classes]").is_visible()
