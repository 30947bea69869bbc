"""The month view runs a constant number of SQL queries, however full the month is."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, time

from sqlalchemy import event

from conferences.extensions import db
from conferences.schedule import series_changes
from tests.schedule.conftest import series_values


@contextmanager
def count_queries():
    statements: list[str] = []

    def before(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _month(client) -> int:
    with count_queries() as statements:
        response = client.get("/schedule?view=month&date=2026-11-15")
    assert response.status_code == 200
    return len(statements)


def test_month_view_query_count_is_constant(
    client, login_as, coordinator, make_firm, clock, make_session
):
    firm = make_firm("Osler")
    login_as(coordinator)
    make_session(on=date(2026, 11, 10), audience={"firms": [firm.id]})
    db.session.commit()
    small = _month(client)
    for n, start in enumerate((time(7), time(8), time(12), time(16))):
        series = series_changes.create_series(
            series_values(
                title=f"Series {n}",
                start_time=start,
                end_time=time(start.hour + 1),
                starts_on=date(2026, 11, 4),
                ends_on=date(2026, 12, 31),
                audience={"firms": [firm.id]} if n % 2 else {"pgy": [n % 3 + 1]},
                topics=["gi", "cardiovascular"],
            ),
            coordinator,
        )
        series_changes.generate_sessions(series, coordinator)
    db.session.commit()
    large = _month(client)
    assert large == small
    assert large <= 12
