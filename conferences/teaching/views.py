"""HTTP handlers for the teaching domain."""

from flask import Blueprint

bp = Blueprint("teaching", __name__)
