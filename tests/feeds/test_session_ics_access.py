"""A session's calendar file: anyone for a public series, otherwise sign-in or a feed token."""

from __future__ import annotations

from datetime import date

from conferences.extensions import db


def test_non_public_session_file_needs_sign_in_or_a_feed_token(
    app_ctx, client, make_session, make_series, make_resident, feed_url, auth
):
    private = make_series(public=False)
    session = make_session(
        on=date(2026, 11, 10), series_id=private.id, video_url="https://video.example/secret"
    )
    resident = make_resident(pgy=1)
    db.session.commit()
    path = f"/sessions/{session.public_id}.ics"
    anonymous = client.get(path)
    assert anonymous.status_code == 404
    assert b"video.example" not in anonymous.data
    assert client.get(path + "?token=not-a-token").status_code == 404
    token = feed_url(resident).removeprefix("/feeds/").removesuffix(".ics")
    with_token = client.get(f"{path}?token={token}")
    assert with_token.status_code == 200
    assert b"video.example/secret" in with_token.data
    assert "private" in with_token.headers["Cache-Control"]
    auth.login(resident.email)
    signed_in = client.get(path)
    assert signed_in.status_code == 200
    assert "Set-Cookie" not in signed_in.headers


def test_public_series_session_file_is_for_anyone(app_ctx, client, make_session, make_series):
    public = make_series(public=True)
    session = make_session(on=date(2026, 11, 10), series_id=public.id)
    db.session.commit()
    answer = client.get(f"/sessions/{session.public_id}.ics")
    assert answer.status_code == 200
    assert "public" in answer.headers["Cache-Control"]
