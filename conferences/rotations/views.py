"""HTTP handlers for the rotations domain."""

from flask import Blueprint

bp = Blueprint("rotations", __name__)
