"""Demo data for the people domain."""

from __future__ import annotations


def load(ctx) -> None:
    """Add this domain's part of the demo program."""
