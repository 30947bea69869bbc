"""The attendance rules, in one place, for check-in rosters, resident pages and reports.

A resident is *expected* at a required, non-cancelled session of their audience unless
excused (by an approved excusal or an excusing rotation). They *attended* if marked
present, or late when the program counts late as attended. The rate is attended / expected.
"""

from __future__ import annotations


def excused_resident_ids(session) -> set[int]:
    """Residents excused from ``session`` (approved excusals and excusing rotations)."""
    return set()
