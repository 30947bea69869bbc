"""HTTP handlers for the attendance domain."""

from flask import Blueprint

bp = Blueprint("attendance", __name__)
