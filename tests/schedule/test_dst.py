"""Wall-clock times survive both DST changes (America/New_York)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from conferences.schedule import queries, series_changes
from tests.schedule.conftest import series_values


@pytest.mark.parametrize(
    ("friday", "monday", "friday_utc_hour", "monday_utc_hour"),
    [
        # Spring forward on Sunday 8 March 2026: EST (UTC-5) -> EDT (UTC-4).
        (date(2026, 3, 6), date(2026, 3, 9), 17, 16),
        # Fall back on Sunday 1 November 2026: EDT -> EST.
        (date(2026, 10, 30), date(2026, 11, 2), 16, 17),
    ],
)
def test_noon_stays_noon_across_the_change(
    app_ctx, clock, friday, monday, friday_utc_hour, monday_utc_hour
):
    assert app_ctx.config.get("PROGRAM_TIMEZONE", "America/New_York") == "America/New_York"
    series = series_changes.create_series(
        series_values(weekdays=[0, 4], starts_on=friday, ends_on=monday),
        actor=None,
        confirm_past=True,
    )
    created = series_changes.generate_sessions(series, actor=None).created
    starts = {s.occurrence_on: s.starts_at for s in created}
    assert starts == {
        friday: datetime.combine(friday, datetime.min.time(), UTC).replace(hour=friday_utc_hour),
        monday: datetime.combine(monday, datetime.min.time(), UTC).replace(hour=monday_utc_hour),
    }
    for session in created:
        assert queries.wall_times(session)[0].hour == 12
        assert (session.ends_at - session.starts_at).total_seconds() == 3600
