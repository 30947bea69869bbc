"""Command-line tools for teaching: reminders and the unfilled-slot nudge (run from cron)."""

from flask import Flask


def register(app: Flask) -> None:
    """Add the teaching commands (top-level, e.g. ``flask send-reminders``)."""
