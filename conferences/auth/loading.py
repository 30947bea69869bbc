"""Who is signed in: Flask-Login loads the person from the sign-in token on each request,
and the sign-in's use is noted (or the expired sign-in ended) after the view's work."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app, g

from conferences.auth import sessions
from conferences.extensions import db, login_manager


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(token: str):
        """The person signed in with this sign-in token (session or remember-me cookie)."""
        # current_app, not the closure's app: the login manager is shared by every app
        # this process creates, and the loader registered last serves them all.
        config = current_app.config
        limits = sessions.Limits(
            idle=timedelta(hours=float(config["SESSION_IDLE_HOURS"])),
            remembered=config["REMEMBER_COOKIE_DURATION"],
        )
        user, found = sessions.load(token, limits)
        if found in (sessions.Found.STALE, sessions.Found.EXPIRED):
            g.sign_in_update = (token, found)
        if found is sessions.Found.EXPIRED:
            g.sign_in_expired = True
        return user

    @app.after_request
    def update_sign_in(response):
        """Note the sign-in's use (at most every few minutes) or delete an expired one, after
        the view's own work is committed."""
        pending = g.pop("sign_in_update", None)
        if pending is not None:
            token, found = pending
            db.session.rollback()
            if found is sessions.Found.EXPIRED:
                sessions.end(token)
            else:
                sessions.touch(token)
            db.session.commit()
        return response
