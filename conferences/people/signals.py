"""Signals the people domain sends; higher domains subscribe (sign-in ends sessions)."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

# Sent with the User as sender when someone loses access they had: the account was
# deactivated, a role was removed, or an administrator set a new password. Every session
# and remember-me cookie of that person must end.
access_reduced = _signals.signal("access-reduced")
