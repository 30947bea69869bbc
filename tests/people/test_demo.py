"""The people part of the demo program: a realistic, repeatable residency."""

from __future__ import annotations

import random
import time
from collections import Counter

from conferences import timeutil
from conferences.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, DemoContext
from conferences.extensions import db
from conferences.people import demo
from conferences.people.models import Role
from conferences.people.services import role_counts


def _load(seed: int = 2026) -> DemoContext:
    today = timeutil.local_today()
    ctx = DemoContext(
        rng=random.Random(seed), today=today, academic_year=timeutil.academic_year_of(today)
    )
    ctx.log = lambda _message: None
    demo.load(ctx)
    return ctx


def test_demo_people(app, client, auth, clock):
    with app.app_context():
        # Same seed, same program: a second run repeats the first exactly.
        first_run = [(u.name, u.email, u.firm.name) for u in _load().data["residents"]]
        db.session.rollback()
        started = time.perf_counter()
        ctx = _load()
        db.session.commit()
        assert time.perf_counter() - started < 3
        assert [(u.name, u.email, u.firm.name) for u in ctx.data["residents"]] == first_run

        residents = ctx.data["residents"]
        assert 185 <= len(residents) <= 195
        assert Counter(r.pgy() for r in residents).keys() == {1, 2, 3}
        assert min(Counter(r.pgy() for r in residents).values()) >= 55
        assert len(ctx.data["firms"]) >= 4
        assert {t.name for t in ctx.data["tracks"]} == {
            "Categorical",
            "Primary Care",
            "Preliminary",
        }
        assert all(r.firm_id and r.track_id for r in residents)
        assert len(ctx.data["faculty"]) >= 40
        coordinators = ctx.data["coordinators"]
        assert len(coordinators) == 4
        assert sum(1 for c in coordinators if c.is_resident) == 1  # the chief resident
        counts = role_counts()
        assert (counts["admin"], counts["coordinator"]) == (1, 4)
        alumni = ctx.data["alumni"]
        assert counts["resident"] == len(residents) + len(alumni)
        # Last year's PGY-3s finished on 30 June: alumni, in last year's reports only.
        assert alumni
        assert all(a.residency_ends < timeutil.local_today() for a in alumni)
        assert all(r.residency_ends >= timeutil.local_today() for r in residents)

        me = ctx.data["demo_users"]["resident"]
        assert me.email == DEMO_ACCOUNTS["resident"]
        assert (me.pgy(), me.track.name, me.firm is not None) == (1, "Categorical", True)
        assert ctx.data["demo_users"]["admin"].roles == {Role.ADMIN}

    for role, email in DEMO_ACCOUNTS.items():
        response = auth.login(email, DEMO_PASSWORD)
        assert response.status_code == 302, role
        assert client.get("/").status_code == 200
        auth.logout()
