"""The QR code on My calendar subscribes a phone: it encodes the webcal:// address."""

from __future__ import annotations

from conferences.extensions import db


def test_my_calendar_qr_code_encodes_the_webcal_address(
    app_ctx, client, auth, make_resident, monkeypatch
):
    import segno

    from conferences.feeds import views

    encoded: list[str] = []
    real_make = segno.make

    def recording(content, *args, **kwargs):
        encoded.append(content)
        return real_make(content, *args, **kwargs)

    monkeypatch.setattr(views.segno, "make", recording)
    resident = make_resident()
    db.session.commit()
    auth.login(resident.email)
    client.post("/my-calendar/address")
    page = client.get("/my-calendar").text

    assert len(encoded) == 1
    assert encoded[0].startswith("webcal://conferences.test/feeds/")
    # The copyable https address stays beside it.
    assert 'value="http' in page
    assert encoded[0].split("://", 1)[1] in page
