"""An excusal request sent twice (a double click) is one request."""

from __future__ import annotations

import re

from conferences.attendance.models import Excusal
from conferences.extensions import db


def test_excusal_request_sent_twice_is_one_request(app_ctx, client, auth, make_resident, clock):
    resident = make_resident(pgy=1)
    db.session.commit()
    auth.login(resident.email)
    page = client.get("/excusals/request").get_data(as_text=True)
    key = re.search(r'name="form_key"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="form_key"', page
    )
    assert key
    data = {
        "mode": "dates",
        "reason": "illness",
        "starts_on": "2026-11-20",
        "ends_on": "2026-11-20",
        "form_key": key.group(1),
        "confirm": "y",  # a day without sessions: sent only once the resident confirms
    }
    first = client.post("/excusals/request", data=data)
    second = client.post("/excusals/request", data=data)
    assert first.status_code == second.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(Excusal.id))) == 1
