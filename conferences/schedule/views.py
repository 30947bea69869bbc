"""HTTP handlers for the schedule domain."""

from flask import Blueprint

bp = Blueprint("schedule", __name__)
