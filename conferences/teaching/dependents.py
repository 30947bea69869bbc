"""Teaching's answer to the schedule's question "who depends on these sessions?"
(``schedule.signals.session_dependents``): the filled teaching slots and feedback they have.

Connected when the module is imported; ``create_app`` imports it at start-up.
"""

from __future__ import annotations

from collections import defaultdict

from conferences.dbutil import count_by
from conferences.schedule import signals
from conferences.teaching.models import Feedback, TeachingSlot


@signals.session_dependents.connect
def teaching_on_sessions(_sender, *, session_ids: list[int], **_extra) -> dict[int, list[str]]:
    """Filled teaching slots and feedback per session, in words ("1 filled teaching slots")."""
    found: dict[int, list[str]] = defaultdict(list)
    for counts, label in (
        (
            count_by(TeachingSlot.session_id, session_ids, TeachingSlot.holder_id.is_not(None)),
            "filled teaching slots",
        ),
        (count_by(Feedback.session_id, session_ids), "feedback"),
    ):
        for session_id, count in counts.items():
            found[session_id].append(f"{count} {label}")
    return found
