"""Every date field has the program's range, checked in one place (``formutil``)."""

from __future__ import annotations

from datetime import date

from conferences.extensions import db
from conferences.schedule.models import Holiday
from conferences.timeutil import OUT_OF_RANGE


def _sign_in(client, auth, make_user, roles):
    make_user(roles=roles, email="someone@example.test")
    db.session.commit()
    auth.login("someone@example.test")


def test_open_slots_with_a_far_date_answers_the_list_with_a_message(
    app_ctx, client, auth, make_user
):
    """A "To" date of 12/31/9999 answered 500 (OverflowError in the day bounds)."""
    _sign_in(client, auth, make_user, ("faculty",))
    answer = client.get("/teaching/open?start_on=2026-01-01&end_on=9999-12-31")
    assert answer.status_code == 200
    assert OUT_OF_RANGE in answer.get_data(as_text=True)


def test_holiday_in_year_9999_is_refused(app_ctx, client, auth, make_user):
    _sign_in(client, auth, make_user, ("coordinator",))
    answer = client.post("/holidays", data={"name": "Far", "starts_on": "9999-12-25"})
    assert answer.status_code == 200
    assert OUT_OF_RANGE in answer.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Holiday.id))) == 0


def test_holiday_service_refuses_far_dates(app_ctx):
    import pytest

    from conferences.errors import DomainError
    from conferences.schedule.holidays import add_holiday

    with pytest.raises(DomainError):
        add_holiday("Far", date(9999, 12, 25))
