"""Command-line tools for the rotations domain."""

from flask.cli import AppGroup

cli = AppGroup("rotations", help="Rotations commands.")
