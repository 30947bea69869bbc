"""Sign in, sign out, change password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from conferences.auth import services
from conferences.auth.forms import ChangePasswordForm, LoginForm
from conferences.errors import DomainError
from conferences.extensions import db, limiter
from conferences.people.models import normalise_email

bp = Blueprint("auth", __name__)


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def _account_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ACCOUNT"]


def _account_key() -> str:
    return "login:" + normalise_email(request.form.get("email", ""))


@bp.before_app_request
def _sign_out_deactivated():
    """A person deactivated while signed in loses their session on the next request."""
    if not request.cookies:
        return None  # nobody is signed in without a cookie: do not load a user
    if current_user.is_authenticated and not current_user.is_active:
        _sign_out()
        flash("Your account has been deactivated.", "warning")
        if request.endpoint != "auth.login":
            return redirect(url_for("auth.login"))
    return None


def _sign_out() -> None:
    """Forget the session, then sign out: logout_user leaves the note that deletes the
    remember-me cookie, which clearing the session afterwards would lose."""
    session.clear()
    logout_user()


def _safe_next(target: str | None) -> str | None:
    """Only follow same-site relative paths after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_account_key)
def login():
    """Show the sign-in form; sign in and go to the page asked for, or home."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash("Wrong e-mail or password, or the account is inactive.", "danger")
        else:
            next_url = _safe_next(request.args.get("next"))
            # A fresh session on sign-in prevents session fixation.
            session.clear()
            login_user(user, remember=True)
            return redirect(next_url or url_for("home.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out and forget the session."""
    _sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            db.session.commit()
            flash("Your password was changed.", "success")
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)
