"""HTTP handlers for the feeds domain: the .ics feeds and the My calendar page."""

from __future__ import annotations

from functools import wraps

import segno
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.globals import request_ctx
from flask_login import current_user
from werkzeug.wrappers import Response

from conferences.config import public_url
from conferences.extensions import db, limiter
from conferences.feeds import serving, subscriptions
from conferences.feeds.answers import PRIVATE_CACHE, PUBLIC_CACHE, answer_request
from conferences.feeds.caches import FeedResult
from conferences.feeds.forms import (
    ALARM_LABELS,
    AlarmForm,
    BlocksForm,
    FollowForm,
    ResetTokenForm,
)
from conferences.metrics import FEED_ANSWERS
from conferences.people.policy import permission_required
from conferences.schedule.models import Series

bp = Blueprint("feeds", __name__)


# ---------------------------------------------------------------------------
# Feeds

FEED_ENDPOINTS = frozenset({"feeds.personal_feed", "feeds.series_feed", "feeds.session_ics"})


@limiter.request_filter
def _feeds_skip_rate_limits() -> bool:
    """No limit applies to feeds (there is no password to guess: the token has 256
    bits), so calendar clients polling all day skip the limiter's bookkeeping."""
    return request.endpoint in FEED_ENDPOINTS


def _drop_cookie_session() -> None:
    null = current_app.session_interface.make_null_session(current_app)
    ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
    # Flask skips saving a null session; 3.1 keeps it in ``_session``, older in ``session``.
    if hasattr(ctx, "_session"):
        ctx._session = null
    else:
        ctx.session = null


def cookieless(view):
    """Serve without touching the cookie session: calendar clients keep no cookies, and
    a feed answer must never set one (nor refresh a browser's)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        _drop_cookie_session()
        return view(*args, **kwargs)

    return wrapped


def _not_found() -> Response:
    # Plain text: the HTML error page would load the signed-in user and the session.
    return Response("Not found\n", status=404, mimetype="text/plain")


def feed_response(
    kind: str,
    result: FeedResult | None,
    cache_control: str,
    filename: str | None = None,
) -> Response:
    """The answer of ``answers.answer_request`` to this request, as a response."""
    if result is None:
        FEED_ANSWERS.labels(kind, "404").inc()
        return _not_found()
    answer = answer_request(result, request.environ, cache_control, filename)
    FEED_ANSWERS.labels(kind, str(answer.status)).inc()
    response = Response(answer.body, status=answer.status, headers=answer.headers)
    if answer.status == 304:
        del response.headers["Content-Type"]  # werkzeug adds a default one
    return response


@bp.get("/feeds/<token>.ics")
@cookieless
def personal_feed(token: str):
    """A person's private feed; the token is the only credential."""
    result = serving.personal_feed(token)
    if result is not None and result.wrote:
        db.session.commit()
    return feed_response("personal", result, PRIVATE_CACHE)


@bp.get("/feeds/series/<slug>.ics")
@cookieless
def series_feed(slug: str):
    """The feed of a public series; other series do not exist here."""
    return feed_response("series", serving.series_feed(slug), PUBLIC_CACHE)


@bp.get("/sessions/<public_id>.ics")
def session_ics(public_id: str):
    """One session as a calendar file ("Add to calendar"). A session of a public series is
    for anyone; any other needs sign-in or the person's feed token (``?token=``): it may
    show a video link. Anyone else is told it does not exist."""
    public = serving.session_is_public(public_id)
    if public is None:
        return _not_found()
    if not public:
        token = request.args.get("token", "")
        signed_in = current_user.is_authenticated  # read before the cookie session goes
        if not signed_in and not (token and subscriptions.token_is_active(token)):
            return _not_found()
    _drop_cookie_session()
    # A public series' file is cached publicly: it never carries the meeting link.
    result = serving.session_feed(public_id, show_video=not public)
    return feed_response(
        "session", result, PUBLIC_CACHE if public else PRIVATE_CACHE, filename="session.ics"
    )


# ---------------------------------------------------------------------------
# My calendar page


def personal_feed_url(token: str) -> str:
    """The public address of a feed, on the configured BASE_URL."""
    return public_url(url_for("feeds.personal_feed", token=token))


def webcal_url(url: str) -> str:
    return "webcal://" + url.split("://", 1)[1]


@bp.get("/my-calendar")
@permission_required("view_schedule")
def my_calendar():
    """The private feed address, how to subscribe, reminders and followed series.

    Reads only: the address is created by a POST ("Create my address"), never by opening
    the page (a crawler or a link preview must not create one)."""
    token = subscriptions.current_token(current_user)
    sub = subscriptions.find_subscription(current_user)
    alarm = sub.alarm_minutes if sub is not None else None
    url = personal_feed_url(token) if token else None
    followed = subscriptions.followed_series_ids(current_user.id)
    return render_template(
        "feeds/my_calendar.html",
        feed_url=url,
        renew=sub is not None and token is None,
        create_form=ResetTokenForm(),
        webcal=webcal_url(url) if url else None,
        # A phone's camera opens webcal:// in its calendar app (http:// would download a file).
        qr_svg=segno.make(webcal_url(url), error="m").svg_data_uri(scale=4, border=2)
        if url
        else None,
        alarm_form=AlarmForm(alarm=str(alarm or "")),
        alarm_label=ALARM_LABELS[str(alarm or "")],
        blocks_form=BlocksForm(include_blocks=sub is not None and sub.include_blocks),
        reset_form=ResetTokenForm(),
        follow_form=FollowForm(),
        series_list=subscriptions.followable_series(),
        followed=followed,
        refresh_minutes=current_app.config["FEED_REFRESH_MINUTES"],
        last_fetched_at=sub.last_fetched_at if sub is not None else None,
    )


@bp.post("/my-calendar/address")
@permission_required("view_schedule")
def create_address():
    """Create the person's private feed address (or renew one that no longer works)."""
    if ResetTokenForm().validate_on_submit():
        subscriptions.feed_token(current_user)
        db.session.commit()
    return redirect(url_for("feeds.my_calendar"), 303)


@bp.post("/my-calendar/alarm")
@permission_required("view_schedule")
def set_alarm():
    """Save the reminder choice for every event in the feed."""
    form = AlarmForm()
    if form.validate_on_submit():
        subscriptions.set_alarm(current_user, form.minutes)
        db.session.commit()
        flash("Reminder saved. Calendars pick it up on their next refresh.", "success")
    else:
        flash("Choose one of the reminder options.", "danger")
    return redirect(url_for("feeds.my_calendar"), 303)


@bp.post("/my-calendar/blocks")
@permission_required("view_schedule")
def set_blocks():
    """Add or leave out the person's rotation blocks in their feed."""
    form = BlocksForm()
    if form.validate_on_submit():
        subscriptions.set_include_blocks(current_user, form.include_blocks.data)
        db.session.commit()
        flash(
            "Your rotation blocks are now in your feed."
            if form.include_blocks.data
            else "Your rotation blocks are no longer in your feed.",
            "success",
        )
    return redirect(url_for("feeds.my_calendar"), 303)


@bp.post("/my-calendar/reset")
@permission_required("view_schedule")
def reset_token():
    """Issue a new address; the old one stops working at once."""
    form = ResetTokenForm()
    if form.validate_on_submit():
        subscriptions.reset_token(current_user)
        db.session.commit()
        flash(
            "Your feed has a new address. The old one no longer works: subscribe again "
            "with the address below.",
            "success",
        )
    return redirect(url_for("feeds.my_calendar"), 303)


@bp.post("/my-calendar/series/<int:series_id>/follow")
@permission_required("view_schedule")
def follow_series(series_id: int):
    """Add a series' sessions to my feed."""
    series = db.get_or_404(Series, series_id)
    if FollowForm().validate_on_submit():
        subscriptions.follow_series(current_user, series)
        db.session.commit()
        flash(f"{series.title} is now in your feed.", "success")
    return redirect(url_for("feeds.my_calendar") + "#series", 303)


@bp.post("/my-calendar/series/<int:series_id>/unfollow")
@permission_required("view_schedule")
def unfollow_series(series_id: int):
    """Remove a followed series from my feed."""
    series = db.get_or_404(Series, series_id)
    if FollowForm().validate_on_submit():
        subscriptions.unfollow_series(current_user, series)
        db.session.commit()
        flash(f"{series.title} is no longer followed.", "success")
    return redirect(url_for("feeds.my_calendar") + "#series", 303)
