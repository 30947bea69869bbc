"""Demo excusal requests (pending and decided)."""

from __future__ import annotations


def load(ctx) -> None:
    """Add demo excusal requests."""
