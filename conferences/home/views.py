"""Each role's home page: what that person came for."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from conferences.extensions import db
from conferences.home import panels

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    """The signed-in person's home, with a section per role they hold."""
    page = render_template("home/index.html", sections=panels.sections_for(current_user))
    # Committed after rendering, so the page reads loaded rows instead of reloading them.
    try:
        db.session.commit()  # the visit a resident's home records
    except IntegrityError:
        db.session.rollback()  # another tab recorded the first visit at the same moment
    return page
