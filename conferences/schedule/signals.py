"""Signals the schedule sends so higher domains (teaching, feeds) can react.

Receivers get ``sender=session`` and ``change`` in
{"created", "edited", "moved", "cancelled", "restored", "deleted"}, plus ``actor``.
"""

from blinker import Namespace

_signals = Namespace()

session_changed = _signals.signal("session-changed")
