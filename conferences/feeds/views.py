"""HTTP handlers for the feeds domain."""

from flask import Blueprint

bp = Blueprint("feeds", __name__)
