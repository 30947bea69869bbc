"""The calendar names the holidays and blackouts that explain a day without conferences."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta
from html.parser import HTMLParser

from conferences.extensions import db
from conferences.schedule.holidays import add_holiday, closed_dates, holiday_names
from tests.schedule.test_queries import count_queries

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
VIEWS = ("calendar-month", "calendar-week", "calendar-agenda")


class _DayHolidays(HTMLParser):
    """Collects, per calendar part (month grid, week row, agenda), each shown day's holiday
    names: the text of ``.holiday-name`` inside the element carrying ``data-day``."""

    def __init__(self) -> None:
        super().__init__()
        self.days: dict[str, dict[date, list[str]]] = defaultdict(dict)
        self.stack: list[tuple[str | None, date | None, bool]] = []  # (part, day, in a name)
        self.name = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        part, day, in_name = self.stack[-1] if self.stack else (None, None, False)
        part = next((v for v in VIEWS if v in (values.get("class") or "").split()), part)
        if values.get("data-day"):
            day = date.fromisoformat(values["data-day"])
            self.days[part].setdefault(day, [])
        if "holiday-name" in (values.get("class") or "").split():
            in_name, self.name = True, ""
        if tag not in VOID:
            self.stack.append((part, day, in_name))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        part, day, in_name = self.stack.pop()
        if in_name and not (self.stack and self.stack[-1][2]):
            self.days[part][day].append(self.name.strip())

    def handle_data(self, data):
        if self.stack and self.stack[-1][2]:
            self.name += data


def holidays_shown(page: str) -> dict[str, dict[date, list[str]]]:
    """``{part: {day: [holiday names]}}`` for every day the page shows."""
    parser = _DayHolidays()
    parser.feed(page)
    return parser.days


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.data.decode()


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# ------------------------------------------------------------------ the service


def test_holiday_names_maps_each_covered_date(app_ctx):
    add_holiday("Thanksgiving Day", date(2026, 11, 26))
    add_holiday("Winter break", date(2026, 12, 21), date(2027, 1, 1))
    add_holiday("Christmas Day", date(2026, 12, 25))
    add_holiday("Outside the range", date(2026, 10, 1))

    names = holiday_names(date(2026, 11, 20), date(2026, 12, 31))

    assert names[date(2026, 11, 26)] == ["Thanksgiving Day"]
    for day in _days(date(2026, 12, 21), date(2026, 12, 31)):  # clipped to the range
        assert "Winter break" in names[day]
    assert names[date(2026, 12, 25)] == ["Winter break", "Christmas Day"]  # earliest start first
    assert date(2026, 11, 27) not in names
    assert date(2026, 12, 20) not in names
    assert min(names) == date(2026, 11, 26)
    assert max(names) == date(2026, 12, 31)
    assert closed_dates(date(2026, 12, 25), date(2026, 12, 25)) == {
        date(2026, 12, 25): "Winter break"
    }


def test_holiday_names_lists_a_name_once_per_day(app_ctx):
    add_holiday("Thanksgiving Day", date(2026, 11, 26))
    add_holiday("Thanksgiving Day", date(2026, 11, 26), date(2026, 11, 27))

    assert holiday_names(date(2026, 11, 1), date(2026, 11, 30)) == {
        date(2026, 11, 26): ["Thanksgiving Day"],
        date(2026, 11, 27): ["Thanksgiving Day"],
    }


def test_holiday_names_runs_one_query_whatever_the_range(app_ctx):
    for n in range(30):
        start = date(2026, 7, 1) + timedelta(days=12 * n)
        add_holiday(f"Day off {n}", start, start + timedelta(days=n % 4))
    db.session.commit()

    with count_queries() as week:
        one_week = holiday_names(date(2026, 11, 23), date(2026, 11, 29))
    with count_queries() as year:
        whole_year = holiday_names(date(2026, 7, 1), date(2027, 6, 30))

    assert len(week) == 1
    assert len(year) == 1
    assert len(one_week) < len(whole_year)
    assert len(whole_year) == sum(n % 4 + 1 for n in range(30))


# ------------------------------------------------------------------ the pages


def test_week_view_names_the_holiday_on_its_day(
    client, clock, make_resident, login_as, make_session
):
    add_holiday("Thanksgiving Day", date(2026, 11, 26))
    make_session(on=date(2026, 11, 24), title="Morning report")
    login_as(make_resident(pgy=1))

    page = _get(client, "/schedule?view=week&date=2026-11-24")
    shown = holidays_shown(page)

    week = shown["calendar-week"]
    assert sorted(week) == _days(date(2026, 11, 23), date(2026, 11, 29))
    assert week[date(2026, 11, 26)] == ["Thanksgiving Day"]
    assert all(not names for day, names in week.items() if day != date(2026, 11, 26))
    # On a phone the week is an agenda: the holiday gets its own day, beside the session's.
    agenda = shown["calendar-agenda"]
    assert agenda == {date(2026, 11, 24): [], date(2026, 11, 26): ["Thanksgiving Day"]}
    assert page.count("Thanksgiving Day") == 2


def test_month_view_marks_every_day_of_a_blackout(client, clock, coordinator, login_as):
    add_holiday("Winter break", date(2026, 12, 21), date(2027, 1, 1))
    add_holiday("Christmas Day", date(2026, 12, 25))
    login_as(coordinator)

    shown = holidays_shown(_get(client, "/schedule?view=month&date=2026-12-10"))

    month = shown["calendar-month"]
    assert sorted(month) == _days(date(2026, 11, 30), date(2027, 1, 3))
    for day in _days(date(2026, 12, 21), date(2027, 1, 1)):
        expected = ["Winter break", "Christmas Day"] if day.day == 25 else ["Winter break"]
        assert month[day] == expected, day
    for day in (date(2026, 11, 30), date(2026, 12, 20), date(2027, 1, 2), date(2027, 1, 3)):
        assert month[day] == [], day
    assert sum(1 for names in month.values() if names) == 12
    agenda = shown["calendar-agenda"]
    assert sorted(agenda) == _days(date(2026, 12, 21), date(2027, 1, 1))


def test_list_view_shows_holidays_in_range_only(client, clock, coordinator, login_as, make_session):
    add_holiday("Thanksgiving Day", date(2026, 11, 26))
    add_holiday("Program retreat", date(2026, 12, 4))
    make_session(on=date(2026, 11, 25), start=time(7, 30), title="Intern report")
    login_as(coordinator)

    page = _get(client, "/schedule?view=list&start=2026-11-23&end=2026-11-29")
    agenda = holidays_shown(page)["calendar-agenda"]

    assert agenda == {date(2026, 11, 25): [], date(2026, 11, 26): ["Thanksgiving Day"]}
    assert "Program retreat" not in page
    assert ">Intern report</a>" in page


def test_calendar_without_holidays_shows_none(client, clock, coordinator, login_as, make_session):
    add_holiday("Thanksgiving Day", date(2026, 11, 26))
    make_session(on=date(2026, 11, 10), title="Intern report")
    login_as(coordinator)

    for view in ("week", "month"):
        page = _get(client, f"/schedule?view={view}&date=2026-11-10")
        shown = holidays_shown(page)
        if view == "week":
            assert "holiday-note" not in page
            assert all(not names for names in shown["calendar-week"].values())
        else:
            month = shown["calendar-month"]
            assert month[date(2026, 11, 26)] == ["Thanksgiving Day"]
            assert all(not names for day, names in month.items() if day != date(2026, 11, 26))
        assert shown["calendar-agenda"].get(date(2026, 11, 10)) == []


def test_calendar_reads_holidays_in_one_query(client, clock, coordinator, login_as):
    login_as(coordinator)

    def month_queries() -> list[str]:
        with count_queries() as statements:
            _get(client, "/schedule?view=month&date=2026-12-10")
        return [s for s in statements if "holidays" in s.lower()]

    assert len(month_queries()) == 1
    for n in range(10):
        add_holiday(f"Day off {n}", date(2026, 12, 1 + n), date(2026, 12, 1 + n * 2))
    add_holiday("Winter break", date(2026, 12, 21), date(2027, 1, 1))
    db.session.commit()
    assert len(month_queries()) == 1
