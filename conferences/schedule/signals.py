"""Signals the schedule sends so higher domains (teaching, feeds) can react.

Receivers get ``sender=session`` and ``change`` in
{"created", "edited", "moved", "cancelled", "restored", "deleted"}, plus ``actor``.
"""

from blinker import Namespace

_signals = Namespace()

session_changed = _signals.signal("session-changed")

# Sent once per operation with every session it created (``sessions=[...]``, ``actor``),
# so receivers can work in bulk when a year of a series is generated.
sessions_created = _signals.signal("sessions-created")
