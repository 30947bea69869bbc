"""Command-line tools for the people domain."""

from flask.cli import AppGroup

cli = AppGroup("people", help="People commands.")
