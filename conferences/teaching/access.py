"""What teaching tells the access policy: whoever holds a teaching slot on a session presents
at it (so may run its check-in). Imported at start-up by ``create_app``."""

from __future__ import annotations

from conferences.people.policy import presenter_check
from conferences.teaching.queries import holds_slot_on

presenter_check(holds_slot_on)
