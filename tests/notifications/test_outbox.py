"""The admin outbox page lists what the app sent."""

from __future__ import annotations

from conferences.extensions import db
from conferences.notifications import services


def test_outbox_is_for_admins_and_lists_messages(client, auth, make_user, app_ctx):
    admin = make_user(roles=("admin",), email="admin@example.test")
    make_user(roles=("coordinator",), email="coord@example.test")
    services.send(admin, "Reminder: you teach Noon", "Body text here")
    services.send("someone@else.test", "Slot released", "Another body")
    db.session.commit()

    auth.login("coord@example.test")
    assert client.get("/admin/outbox").status_code == 403
    auth.logout()
    auth.login("admin@example.test")
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    assert "Reminder: you teach Noon" in page.text
    assert "Slot released" in page.text
    assert "Body text here" in page.text
    filtered = client.get("/admin/outbox?to=else.test")
    assert "Slot released" in filtered.text
    assert "Reminder: you teach Noon" not in filtered.text
    assert "No messages match" in client.get("/admin/outbox?failed=1").text


def test_outbox_empty_state(client, auth, make_user, app_ctx):
    make_user(roles=("admin",), email="admin@example.test")
    db.session.commit()
    auth.login("admin@example.test")
    assert "No messages yet" in client.get("/admin/outbox").text
