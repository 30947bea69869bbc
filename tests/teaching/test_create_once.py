"""Adding a slot twice with the same form (a double click) adds one slot."""

from __future__ import annotations

from conferences.extensions import db
from conferences.teaching.models import TeachingSlot
from tests.schedule.test_create_once import _form_key


def test_slot_sent_twice_is_added_once(client, auth, coordinator, make_session):
    session = make_session()
    db.session.commit()
    auth.login(coordinator.email)
    page = client.get(f"/teaching/sessions/{session.public_id}")
    assert page.status_code == 200
    data = {"role": "lecturer", "eligibility": "faculty", "form_key": _form_key(page.text)}
    first = client.post(f"/teaching/sessions/{session.public_id}/slots", data=data)
    second = client.post(f"/teaching/sessions/{session.public_id}/slots", data=data)
    assert first.status_code == second.status_code == 303
    db.session.expire_all()
    slots = db.session.scalars(db.select(TeachingSlot).where(TeachingSlot.session_id == session.id))
    assert len(list(slots)) == 1
