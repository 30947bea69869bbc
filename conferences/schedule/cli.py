"""Command-line tools for the schedule domain."""

from flask.cli import AppGroup

cli = AppGroup("schedule", help="Schedule commands.")
