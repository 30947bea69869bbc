"""The demo program's whole academic year, recounted three ways, agrees everywhere.

1. session by session with the per-session rule (``rules.session_statuses``);
2. in bulk (``evaluation.evaluate``) as the overview, session and resident reports and the
   digest compute it (``agreement.check_everywhere``);
3. through the pages and files people read: the residents and sessions CSV exports, the
   resident report pages (and "My attendance" of the demo resident), and the rosters and
   live counts of sessions held.
"""

from __future__ import annotations

import csv
import io
import random

from sqlalchemy import select

from conferences import timeutil
from conferences.attendance import rules
from conferences.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, load_demo
from conferences.extensions import db
from conferences.people.models import User
from conferences.schedule.models import Session
from tests.reports.agreement import check_everywhere, check_roster


def test_the_demo_year_recounted_three_ways_agrees(app_ctx, client, clock):
    load_demo()
    db.session.commit()
    year = timeutil.academic_year_bounds(timeutil.academic_year_of(timeutil.local_today()))
    now = timeutil.now_utc()

    # Ways 1 and 2: the per-session rule against the bulk form and every report built on it.
    recount = check_everywhere(*year, detail_for=3, rosters=False)
    held = [v for v in recount.residents.values() if v[0]]
    assert len(held) > 150
    assert sum(v[0] for v in held) > 10_000
    assert sum(v[2] for v in recount.residents.values()) > 100  # excusals and rotations

    # Way 3: the pages and files.
    assert client.post(
        "/login", data={"email": DEMO_ACCOUNTS["coordinator"], "password": DEMO_PASSWORD}
    ).status_code in (302, 303)
    args = f"start={year[0].isoformat()}&end={year[1].isoformat()}"
    exported = client.get(f"/reports/export/residents.csv?{args}").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    emails = dict(db.session.execute(select(User.email, User.id)).all())
    assert len(rows) > 150
    for row in rows:
        rid = emails[row["Email"]]
        expected, attended, excused = recount.residents.get(rid, [0, 0, 0])
        assert (int(row["Expected"]), int(row["Attended"]), int(row["Excused"])) == (
            expected,
            attended,
            excused,
        ), row["Resident"]
        assert row["Rate (%)"] == rules.format_percent(recount.rate(rid), sign=False)

    sessions = db.session.scalars(select(Session).order_by(Session.starts_at, Session.id)).all()
    exported = client.get(f"/reports/export/sessions.csv?{args}").data.decode("utf-8-sig")
    by_row = list(csv.DictReader(io.StringIO(exported)))
    in_year = [s for s in sessions if year[0] <= timeutil.local_date(s.starts_at) <= year[1]]
    assert len(by_row) == len(in_year)
    for session, row in zip(in_year, by_row, strict=True):
        expected, attended, excused, visitors = recount.sessions[session.id]
        assert row["Session"] == session.title
        assert (
            int(row["Expected"]),
            int(row["Attended"]),
            int(row["Excused"]),
            int(row["Visitors"]),
        ) == (expected, attended, excused, visitors), session.title

    # Resident report pages: the numbers shown, for a sample of residents.
    rng = random.Random(13)  # nosec B311 - a repeatable sample
    for rid in rng.sample(sorted(r for r, v in recount.residents.items() if v[0]), 4):
        page = client.get(f"/reports/residents/{rid}?{args}").get_data(as_text=True)
        expected, attended, excused = recount.residents[rid]
        assert rules.format_percent(recount.rate(rid)) in page
        assert f'lh-sm">{attended}</div>' in page
        assert f"of {expected} expected" in page

    # Rosters and live counts of a sample of sessions already held.
    held_sessions = [s for s in in_year if s.starts_at <= now]
    for session in rng.sample(held_sessions, 12):
        entries = rules.session_statuses(session, now)
        visitors = {
            e.resident_id
            for e in entries
            if e.status == rules.Status.VISITOR and e.mark in rules.attended_marks()
        }
        check_roster(session, now, entries, visitors)

    # The demo resident's own page says the same as the reports.
    client.post("/logout")
    assert client.post(
        "/login", data={"email": DEMO_ACCOUNTS["resident"], "password": DEMO_PASSWORD}
    ).status_code in (302, 303)
    me = emails[DEMO_ACCOUNTS["resident"]]
    mine = client.get(f"/my/attendance?{args}").get_data(as_text=True)
    assert rules.format_percent(recount.rate(me)) in mine
