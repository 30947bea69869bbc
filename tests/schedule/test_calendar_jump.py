"""Jump to a date in the week and month views: a plain GET form (no script needed) that
keeps the view and the filters."""

from __future__ import annotations

import re
from datetime import date

import pytest


def _jump_form(page: str) -> str:
    found = re.search(r'<form[^>]*id="jump-to-date".*?</form>', page, re.S)
    assert found, "the week and month views offer a date to go to"
    return found.group(0)


@pytest.mark.parametrize("view", ["week", "month"])
def test_the_week_and_month_views_offer_a_date_to_go_to(client, coordinator, login_as, clock, view):
    login_as(coordinator)
    page = client.get(f"/schedule?view={view}&date=2026-11-10&kind=lecture").text
    form = _jump_form(page)
    assert 'method="get"' in form
    assert '<label class="small mb-0" for="jump-date">Go to date</label>' in form
    assert re.search(r'<input[^>]*type="date"[^>]*id="jump-date"[^>]*name="date"', form)
    assert 'value="2026-11-10"' in form
    assert f'name="view" value="{view}"' in form
    assert 'name="kind" value="lecture"' in form  # the filters stay
    assert "<button" in form


def test_going_to_a_date_shows_its_week_and_month(client, coordinator, login_as, make_session):
    login_as(coordinator)
    make_session(on=date(2027, 2, 10), title="Valentine cardiology")
    month = client.get("/schedule?view=month&date=2027-02-10").text
    assert "February 2027" in month
    assert "Valentine cardiology" in month
    week = client.get("/schedule?view=week&date=2027-02-10").text
    assert 'data-day="2027-02-08"' in week  # that Monday's week
    assert "Valentine cardiology" in week


def test_a_nonsense_date_shows_today_not_an_error(client, coordinator, login_as, clock):
    login_as(coordinator)
    response = client.get("/schedule?view=month&date=2027-13-45")
    assert response.status_code == 200
    assert "November 2026" in response.text


def test_the_list_view_has_its_own_range_instead(client, coordinator, login_as, clock):
    login_as(coordinator)
    page = client.get("/schedule?view=list").text
    assert 'id="jump-to-date"' not in page
    assert 'id="f-start"' in page
