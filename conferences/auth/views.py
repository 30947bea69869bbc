"""Sign in (password or single sign-on), sign out, change password, sign out everywhere."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from authlib.common.errors import AuthlibBaseError
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from joserfc.errors import JoseError
from requests import RequestException

from conferences.auth import oidc, services, sessions, throttle
from conferences.auth.forms import (
    ChangeAlertsForm,
    ChangePasswordForm,
    LoginForm,
    SignOutEverywhereForm,
)
from conferences.config import public_url
from conferences.errors import DomainError
from conferences.extensions import db, limiter
from conferences.metrics import SIGNIN_FAILURES
from conferences.people import services as people
from conferences.people.models import User, normalise_email

bp = Blueprint("auth", __name__)
log = logging.getLogger("conferences.auth")


def _address_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"]


def _failed_sign_in(response) -> bool:
    """Only failures count toward the per-address ceiling (a sign-in redirects)."""
    return response.status_code != 302


# Why a sign-in did not sign anyone in (the ``reason`` of the sign-in failure metric).
WRONG_CREDENTIALS = "wrong_credentials"  # unknown account, wrong password, inactive
INVALID_FORM = "invalid_form"  # a sign-in posted without an e-mail or a password
THROTTLED = "throttled"  # this account from this address must wait (growing delay)
RATE_LIMITED = "rate_limited"  # this address has failed too often (per-address ceiling)
SSO_REFUSED = "single_sign_on_refused"  # the provider's answer was refused, or no account


def _count_failure(reason: str) -> None:
    SIGNIN_FAILURES.labels(reason).inc()


def _rate_limited(_limit) -> None:
    """The per-address ceiling refused a sign-in (the limiter answers 429 itself)."""
    _count_failure(RATE_LIMITED)


def _sign_in(user: User, *, method: str, remember: bool) -> None:
    """Start a new sign-in on the server and a fresh session (no fixation); the remember-me
    cookie, when chosen, carries the new sign-in's token."""
    sessions.start(user, method=method, remember=remember)
    db.session.commit()
    session.clear()
    login_user(user, remember=remember)


def _sign_out() -> None:
    """End this sign-in on the server, forget the session, then sign out: logout_user leaves
    the note that deletes the remember-me cookie, which clearing the session would lose."""
    # This browser's token is the one in its session (Flask-Login's "_user_id").
    sessions.end(session.get("_user_id"))
    db.session.commit()
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


def _password_login_for_all() -> bool:
    return bool(current_app.config["PASSWORD_LOGIN"]) or not oidc.enabled()


def _login_page(form: LoginForm, status: int = 200, *, sso_error: str | None = None):
    show_password = _password_login_for_all() or request.args.get("password") == "admin"
    return (
        render_template(
            "auth/login.html",
            form=form,
            sso=oidc.enabled(),
            sso_label=current_app.config["OIDC_LABEL"],
            show_password=show_password or request.method == "POST",
            admins_only=not _password_login_for_all(),
            sso_error=sso_error,
        ),
        status,
    )


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _address_limit, methods=["POST"], deduct_when=_failed_sign_in, on_breach=_rate_limited
)
def login():
    """Show the sign-in page; sign in with a password and go to the page asked for, or home.
    When PASSWORD_LOGIN is off only administrators may use a password (break-glass)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if not form.validate_on_submit():
        if request.method == "POST":
            _count_failure(INVALID_FORM)
        return _login_page(form)
    account = normalise_email(form.email.data)
    address = request.remote_addr or ""
    wait = throttle.signin_wait(account, address)
    if wait:
        form.form_errors.append(
            f"Too many failed sign-ins for this account from your network. "
            f"Try again in {wait} seconds."
        )
        _count_failure(THROTTLED)
        return _login_page(form, 429)
    user = services.authenticate(form.email.data, form.password.data)
    if user is not None and not _password_login_for_all() and not user.is_admin:
        user = None
    if user is None:
        throttle.signin_failed(account, address)
        _count_failure(WRONG_CREDENTIALS)
        log.info("password sign-in failed for %r from %s", account, address)
        flash("Wrong e-mail or password, or the account is inactive.", "danger")
        return _login_page(form)
    throttle.signin_succeeded(account, address)
    next_url = _safe_next(request.args.get("next"))
    _sign_in(user, method="password", remember=bool(form.remember.data))
    return redirect(next_url or url_for("home.index"))


@bp.get("/login/oidc")
def login_oidc():
    """Go to the identity provider (authorization code with PKCE, state and nonce)."""
    if not oidc.enabled():
        abort(404)  # single sign-on is not set up here
    next_url = _safe_next(request.args.get("next"))
    if next_url:
        session["oidc_next"] = next_url
    session["oidc_remember"] = request.args.get("remember") == "y"
    try:
        return oidc.client().authorize_redirect(public_url(url_for("auth.oidc_callback")))
    except (RequestException, ValueError, AuthlibBaseError) as error:
        log.warning("single sign-on: provider unreachable: %s", error)
        return _provider_unreachable()


def _provider_unreachable():
    message = "The sign-in service cannot be reached right now. Try again in a few minutes." + (
        "" if _password_login_for_all() else " Administrators can sign in with a password."
    )
    return _login_page(LoginForm(formdata=None), 503, sso_error=message)


@bp.get("/login/oidc/callback")
def oidc_callback():
    """The provider's answer: check state, exchange the code, verify the ID token, then
    sign in as the linked account, or explain why not."""
    if not oidc.enabled():
        abort(404)
    remote = oidc.client()
    try:
        token = remote.authorize_access_token()
    except RequestException as error:
        log.warning("single sign-on: provider unreachable: %s", error)
        return _provider_unreachable()
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as error:
        log.warning("single sign-on refused: %s", error)
        return _sso_refused(
            "The sign-in could not be completed",
            "The answer from the sign-in service was not valid or has expired. "
            "Start again from the sign-in page.",
        )
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        log.warning("single sign-on refused: no verified ID token")
        return _sso_refused(
            "The sign-in could not be completed",
            "The sign-in service did not send a valid ID token. Start again.",
        )
    claims = dict(claims)
    email_claim = current_app.config["OIDC_EMAIL_CLAIM"]
    if email_claim not in claims:
        # Providers that follow the spec strictly put scope claims in the UserInfo answer
        # only; take them from there, for the same subject.
        try:
            extra = remote.userinfo(token=token)
        except (RequestException, AuthlibBaseError) as error:
            log.warning("single sign-on: userinfo failed: %s", error)
            return _provider_unreachable()
        if extra.get("sub") == claims["sub"]:
            claims = {**extra, **claims}
    try:
        user = services.link_identity(oidc.issuer(), claims, email_claim)
    except services.IdentityRefused as refused:
        db.session.rollback()
        return _sso_refused("You cannot sign in here yet", refused.message)
    next_url = session.pop("oidc_next", None)
    _sign_in(user, method="oidc", remember=bool(session.pop("oidc_remember", False)))
    return redirect(_safe_next(next_url) or url_for("home.index"))


def _sso_refused(title: str, message: str):
    _count_failure(SSO_REFUSED)
    return (
        render_template(
            "auth/sso_refused.html",
            title=title,
            message=message,
            admins_only=not _password_login_for_all(),
        ),
        403,
    )


@bp.post("/logout")
@login_required
def logout():
    """Sign out: this sign-in ends on the server, so copies of its cookies stop working."""
    _sign_out()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    """End every session and remember-me cookie of the signed-in person, this one included."""
    form = SignOutEverywhereForm()
    if form.validate_on_submit():
        sessions.end_all(current_user)
        db.session.commit()
        session.clear()
        logout_user()
        flash("You are signed out on every device.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every other session of the person ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not throttle.tries_left("current-password", current_user.id):
            form.current_password.errors.append(
                "Too many wrong passwords in a short time. Wait a minute and try again."
            )
            return _account_page(form), 429
        try:
            services.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except DomainError as error:
            if error.field == "current_password":
                throttle.wrong_try("current-password", current_user.id)
            getattr(form, error.field or "new_password").errors.append(error.message)
        else:
            user = current_user._get_current_object()
            cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            remember = cookie in request.cookies
            _sign_in(user, method="password", remember=remember)
            flash("Your password was changed. You are signed out on every other device.", "success")
            return redirect(url_for("home.index"))
    return _account_page(form)


def _account_page(form: ChangePasswordForm, alerts: ChangeAlertsForm | None = None):
    alerts = alerts or ChangeAlertsForm(data={"change_alerts": current_user.change_alerts})
    return render_template(
        "auth/change_password.html",
        form=form,
        everywhere=SignOutEverywhereForm(),
        alerts=alerts,
    )


@bp.post("/account/alerts")
@login_required
def change_alerts():
    """Turn one's own short-notice change alerts on or off."""
    form = ChangeAlertsForm()
    if not form.validate_on_submit():
        return _account_page(ChangePasswordForm(formdata=None), form), 400
    on = bool(form.change_alerts.data)
    people.set_change_alerts(current_user._get_current_object(), on)
    db.session.commit()
    flash(
        "Short-notice change alerts are on."
        if on
        else "Short-notice change alerts are off: you will not be e-mailed about late changes.",
        "success",
    )
    return redirect(url_for("auth.change_password"))
