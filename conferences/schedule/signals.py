"""Signals the schedule sends so higher domains (teaching, feeds) can react, or answer.

``session_changed`` receivers get ``sender=session`` and ``change`` in
{"created", "edited", "moved", "cancelled", "restored", "deleted"}, plus ``actor``.
"""

from blinker import Namespace

_signals = Namespace()

session_changed = _signals.signal("session-changed")

# Sent once per operation with every session it created (``sessions=[...]``, ``actor``),
# so receivers can work in bulk when a year of a series is generated.
sessions_created = _signals.signal("sessions-created")

# Asked before sessions are deleted: "what did you record against these sessions?"
# Receivers get ``session_ids=[...]`` and return {session id: ["3 attendance records", ...]}
# for the sessions they hold records for (read-only; sessions with none are left out).
# attendance/dependents.py and teaching/dependents.py answer it.
session_dependents = _signals.signal("session-dependents")
