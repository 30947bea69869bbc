"""HTTP handlers for excusal requests and decisions."""

from flask import Blueprint

bp = Blueprint("excusals", __name__)
