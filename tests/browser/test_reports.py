"""The report page in a real browser: a coordinator sees charts drawn as SVG bars."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import expect

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
    assert "PGY-1: 100.0 %" in chart.locator("g.bar title").first.text_content()

    # The below-threshold table lists the resident who missed everything.
    below = page.locator("table[data-table=below]")
    assert "Milo Missed" in below.text_content()
    assert "Ada Attended" not in below.text_content()

    # The accessible table alternative opens and shows the same numbers.
    page.get_by_text("Show as a table").first.click()
    assert page.locator("table[data-table=classes]").is_visible()


def test_my_attendance_fits_a_phone_and_opens_older_months(
    phone_page, app_ctx, clock, make_resident, make_session
):
    page = phone_page
    resident = make_resident(pgy=2, email="phone-attendance@example.test")
    plan = [
        (date(2026, 8, 4), "present"),
        (date(2026, 9, 8), "present"),
        (date(2026, 9, 9), "absent"),
        (date(2026, 10, 6), "present"),
        (date(2026, 10, 7), "absent"),
        (date(2026, 11, 2), "present"),
        (date(2026, 11, 3), None),
        (date(2026, 11, 18), None),
        (date(2027, 2, 3), None),
    ]
    for n, (day, mark) in enumerate(plan):
        session = make_session(
            on=day,
            title=f"Noon conference {n}: antimicrobial stewardship in hospital-acquired pneumonia",
        )
        if mark:
            db.session.add(
                Attendance(session_id=session.id, resident_id=resident.id, mark=mark, source="x")
            )
    db.session.commit()

    login(page, resident.email)
    page.goto("/my/attendance")
    assert page.get_by_role("heading", name="My attendance").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The rate and the outlook are on the first screen.
    height = page.evaluate("window.innerHeight")
    for selector in ("[data-rate]", "[data-outlook]"):
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] + box["height"] <= height, selector

    # This month and last month are open; the missed session says so in words.
    november = page.locator("details[data-month='2026-11']")
    assert november.get_attribute("open") is not None
    assert november.locator("tr[data-status=missed]").get_by_text("Missed").is_visible()
    assert page.locator("details[data-month='2026-10'] table").is_visible()

    # An older month is closed until its summary is clicked.
    september = page.locator("details[data-month='2026-09']")
    assert september.get_attribute("open") is None
    assert not september.locator("table").is_visible()
    assert "1 missed" in september.locator("summary").text_content()
    september.locator("summary").click()
    expect(september.locator("table")).to_be_visible()  # loaded when opened
    assert september.get_attribute("open") is not None
    assert september.locator("tr[data-status=missed]").get_by_text("Missed").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # Later months wait behind one closed line.
    later = page.locator("details[data-later]")
    assert later.get_attribute("open") is None
    assert "February 2027" in later.locator("summary").first.text_content()
