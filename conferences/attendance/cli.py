"""Command-line tools for the attendance domain."""

from flask.cli import AppGroup

cli = AppGroup("attendance", help="Attendance commands.")
